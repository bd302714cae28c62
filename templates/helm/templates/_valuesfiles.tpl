{{- /* manifold: kind=valuesFiles */ -}}
{{- /*
A chart whose values would not fit in one file Helm loads (5 MiB; docs/helm.md,
"Large charts"): values.yaml and each values-ENV.yaml keep of a service instance
only enabled, name, workload and image, and the files global.valuesFiles lists
(under values.d/, in order) hold the rest.  Every template starts with
`include "@CHART@.valuesFiles" $`; the first one merges those files under the
values Helm merged (values.yaml, -f, --set), once (it takes the list out), the
way Helm merges a values file: maps key by key, anything else replaced, null
removing what was there.
*/ -}}
{{- define "@CHART@.valuesFiles" -}}
{{- $root := . -}}
{{- $files := index $root.Values.global "valuesFiles" -}}
{{- if $files -}}
{{- $_ := unset $root.Values.global "valuesFiles" -}}
{{- $all := dict -}}
{{- range $f := $files -}}
{{- $text := $root.Files.Get $f -}}
{{- if not $text }}{{ fail (printf "%s (global.valuesFiles) is not in the chart" $f) }}{{ end -}}
{{- $part := fromYaml $text -}}
{{- if hasKey $part "Error" }}{{ fail (printf "%s: %s" $f $part.Error) }}{{ end -}}
{{- range $k, $v := $part -}}
{{- if hasKey $all $k }}{{ include "@CHART@.mergeValues" (list (index $all $k) $v) }}
{{- else }}{{ $_ := set $all $k $v }}{{ end -}}
{{- end -}}
{{- end -}}
{{- range $k, $v := $all -}}
{{- $given := index $root.Values $k -}}
{{- if kindIs "map" $given }}{{ include "@CHART@.mergeValues" (list $v $given) }}{{ end -}}
{{- $_ := set $root.Values $k $v -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* Merges the map (index . 1) into the map (index . 0) as Helm merges values. */ -}}
{{- define "@CHART@.mergeValues" -}}
{{- $dst := index . 0 -}}
{{- range $k, $v := index . 1 -}}
{{- if kindIs "invalid" $v }}{{ $_ := unset $dst $k }}
{{- else if and (kindIs "map" $v) (kindIs "map" (index $dst $k)) -}}
{{ include "@CHART@.mergeValues" (list (index $dst $k) $v) }}
{{- else }}{{ $_ := set $dst $k $v }}
{{- end -}}
{{- end -}}
{{- end -}}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

// Chart is .Chart: Chart.yaml's fields under Helm's names.
type Chart struct {
	APIVersion  string            `yaml:"apiVersion"`
	Name        string            `yaml:"name"`
	Version     string            `yaml:"version"`
	KubeVersion string            `yaml:"kubeVersion"`
	Description string            `yaml:"description"`
	Type        string            `yaml:"type"`
	Keywords    []string          `yaml:"keywords"`
	Home        string            `yaml:"home"`
	Sources     []string          `yaml:"sources"`
	Icon        string            `yaml:"icon"`
	AppVersion  string            `yaml:"appVersion"`
	Deprecated  bool              `yaml:"deprecated"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadChart(dir string) (*Chart, error) {
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	var c Chart
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	if c.APIVersion != "v2" || c.Name == "" || c.Version == "" {
		return nil, fmt.Errorf("Chart.yaml: apiVersion v2, name and version are required")
	}
	return &c, nil
}

// renderer holds the parsed templates; include and tpl need them.
type renderer struct {
	t *template.Template
}

// Templates are named CHART/templates/FILE, as in Helm, so .Template.Name
// and error messages read the same.
func (r *renderer) parse(chart *Chart, dir string) ([]string, error) {
	r.t = template.New("gotpl").Option("missingkey=zero").Funcs(r.funcs())
	files, err := filepath.Glob(filepath.Join(dir, "templates", "*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var names []string
	for _, f := range files {
		base := filepath.Base(f)
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		name := path.Join(chart.Name, "templates", base)
		if _, err := r.t.New(name).Parse(string(data)); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(base, "_") && (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")) {
			names = append(names, name)
		}
	}
	return names, nil
}

func (r *renderer) funcs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYaml,
		"fromYaml":      fromYaml,
		"fromYamlArray": fromYamlArray,
		"toJson":        toJson,
		"fromJson":      fromJson,
		"required":      required,
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		"include": r.include,
		"tpl":     r.tpl,
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// include and tpl run templates of the set being executed.
func (r *renderer) include(name string, data interface{}) (string, error) {
	var b bytes.Buffer
	if err := r.t.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (r *renderer) tpl(text string, data interface{}) (string, error) {
	t, err := r.t.Clone()
	if err != nil {
		return "", err
	}
	if t, err = t.New("tpl").Parse(text); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return strings.ReplaceAll(b.String(), "<no value>", ""), nil
}

func required(msg string, v interface{}) (interface{}, error) {
	if v == nil {
		return nil, fmt.Errorf("%s", msg)
	}
	if s, ok := v.(string); ok && s == "" {
		return nil, fmt.Errorf("%s", msg)
	}
	return v, nil
}

func renderChart(o options) (string, error) {
	chart, err := loadChart(o.chart)
	if err != nil {
		return "", err
	}
	values, err := loadValues(o.chart, o.values)
	if err != nil {
		return "", err
	}
	if err := validate(o.chart, values); err != nil {
		return "", err
	}
	r := &renderer{}
	names, err := r.parse(chart, o.chart)
	if err != nil {
		return "", err
	}
	top := map[string]interface{}{
		"Values": values,
		"Chart":  chart,
		"Release": map[string]interface{}{
			"Name": o.release, "Namespace": o.namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"},
			"APIVersions": []string{},
		},
	}
	var out strings.Builder
	for _, name := range names {
		top["Template"] = map[string]interface{}{"Name": name, "BasePath": path.Join(chart.Name, "templates")}
		var b bytes.Buffer
		if err := r.t.ExecuteTemplate(&b, name, top); err != nil {
			return "", err
		}
		writeDocs(&out, name, strings.ReplaceAll(b.String(), "<no value>", ""))
	}
	return out.String(), nil
}

// writeDocs splits a template's output into documents and keeps the
// non-empty ones, each under a "# Source:" comment as helm template prints.
func writeDocs(out *strings.Builder, name, text string) {
	for _, doc := range splitDocs(text) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		fmt.Fprintf(out, "---\n# Source: %s\n%s\n", name, strings.Trim(doc, "\n"))
	}
}

func splitDocs(text string) []string {
	var docs []string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimRight(line, " \t") == "---" || strings.HasPrefix(line, "--- ") {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(docs, strings.Join(cur, "\n"))
}

func stripComments(doc string) string {
	var keep []string
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// ---- Helm's own functions -------------------------------------------------------

// plain turns JSON numbers back into ints where they are whole, as
// sigs.k8s.io/yaml (JSON first, then YAML) writes them.
func plain(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, e := range x {
			x[k] = plain(e)
		}
	case []interface{}:
		for i, e := range x {
			x[i] = plain(e)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func viaJSON(v interface{}) (interface{}, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out interface{}
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return plain(out), nil
}

// toYaml is Helm's: errors give "", the trailing newline is dropped.
func toYaml(v interface{}) string {
	j, err := viaJSON(v)
	if err != nil {
		return ""
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(j); err != nil {
		return ""
	}
	enc.Close()
	return strings.TrimSuffix(b.String(), "\n")
}

func fromYaml(s string) map[string]interface{} {
	var v interface{}
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	m, _ := jsonish(v).(map[string]interface{})
	if m == nil {
		m = map[string]interface{}{}
	}
	return m
}

func fromYamlArray(s string) []interface{} {
	var v []interface{}
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return []interface{}{err.Error()}
	}
	return jsonish(v).([]interface{})
}

func toJson(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJson(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

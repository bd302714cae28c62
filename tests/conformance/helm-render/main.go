// helm-render: renders a Helm chart the way `helm template` does, for manifold's
// conformance tests (no helm binary in Debian).  Built offline in GOPATH mode from
// Debian's golang-go, golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v3-dev
// and golang-github-xeipuuv-gojsonschema-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o helm-render .
//
// Usage:
//
//	helm-render [-f VALUES.yaml]... [-n NAMESPACE] [-r RELEASE] CHART_DIR
//	helm-render compare A.yaml B.yaml
//
// The first prints the rendered stream on stdout (exit 1 with the reason on
// stderr when values break values.schema.json or a template fails); the second
// compares two streams object for object (see compare.go).
package main

import (
	"fmt"
	"os"
)

type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func usage() {
	fmt.Fprintln(os.Stderr, "usage: helm-render [-f VALUES.yaml]... [-n NAMESPACE] [-r RELEASE] CHART_DIR\n"+
		"       helm-render compare A.yaml B.yaml")
	os.Exit(2)
}

type options struct {
	values    stringList
	namespace string
	release   string
	chart     string
}

// Flags may come before or after the chart, as with helm.
func parseArgs(args []string) options {
	o := options{namespace: "default", release: "release-name"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() string {
			if i+1 >= len(args) {
				usage()
			}
			i++
			return args[i]
		}
		switch a {
		case "-f", "--values":
			o.values = append(o.values, next())
		case "-n", "--namespace":
			o.namespace = next()
		case "-r", "--release":
			o.release = next()
		default:
			if len(a) > 1 && a[0] == '-' || o.chart != "" {
				usage()
			}
			o.chart = a
		}
	}
	if o.chart == "" {
		usage()
	}
	return o
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "compare" {
		os.Exit(compareFiles(os.Args[2], os.Args[3]))
	}
	o := parseArgs(os.Args[1:])
	out, err := renderChart(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "helm-render: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// compare: the same objects in both streams, identified by (apiVersion,
// kind, namespace, name), with the same content.  Helm's release
// bookkeeping labels (helm.sh/chart, app.kubernetes.io/managed-by: Helm)
// are ignored; manifold's chart adds none.  Map order never matters, list
// order always does, and numbers compare by value (1 == 1.0) but never
// equal strings ("1" != 1).

type object struct {
	id  string
	doc map[string]interface{}
}

func readStream(path string) ([]object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var objs []object
	for {
		var v interface{}
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		m, ok := jsonish(v).(map[string]interface{})
		if v == nil {
			continue
		} else if !ok {
			return nil, fmt.Errorf("%s: a document is not a mapping", path)
		}
		objs = append(objs, object{identity(m), m})
	}
}

func str(m map[string]interface{}, key string) string {
	s, _ := m[key].(string)
	return s
}

func identity(m map[string]interface{}) string {
	meta, _ := m["metadata"].(map[string]interface{})
	ns := str(meta, "namespace")
	if ns != "" {
		ns += "/"
	}
	return fmt.Sprintf("%s %s %s%s", str(m, "apiVersion"), str(m, "kind"), ns, str(meta, "name"))
}

func dropReleaseLabels(m map[string]interface{}) {
	for _, path := range [][]string{{"metadata", "labels"}, {"spec", "template", "metadata", "labels"}} {
		cur := m
		for _, k := range path {
			cur, _ = cur[k].(map[string]interface{})
		}
		if cur == nil {
			continue
		}
		delete(cur, "helm.sh/chart")
		if cur["app.kubernetes.io/managed-by"] == "Helm" {
			delete(cur, "app.kubernetes.io/managed-by")
		}
	}
}

// firstDiff returns the path of the first difference, or "" when equal.
func firstDiff(a, b interface{}, at string) string {
	switch x := a.(type) {
	case map[string]interface{}:
		y, ok := b.(map[string]interface{})
		if !ok {
			return at
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			xv, xok := x[k]
			yv, yok := y[k]
			if xok != yok {
				return at + "." + k
			}
			if d := firstDiff(xv, yv, at+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []interface{}:
		y, ok := b.([]interface{})
		if !ok || len(x) != len(y) {
			return at
		}
		for i := range x {
			if d := firstDiff(x[i], y[i], fmt.Sprintf("%s[%d]", at, i)); d != "" {
				return d
			}
		}
		return ""
	case float64:
		y, ok := b.(float64)
		if !ok || math.Abs(x-y) > 0 {
			return at
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return at
	}
	return ""
}

func index(objs []object, name string) (map[string]map[string]interface{}, []string) {
	m := map[string]map[string]interface{}{}
	var dups []string
	for _, o := range objs {
		if _, seen := m[o.id]; seen {
			dups = append(dups, fmt.Sprintf("FAIL %s: twice in %s", o.id, name))
		}
		dropReleaseLabels(o.doc)
		m[o.id] = o.doc
	}
	return m, dups
}

func compareFiles(pa, pb string) int {
	oa, err := readStream(pa)
	if err == nil {
		var ob []object
		if ob, err = readStream(pb); err == nil {
			return compareStreams(pa, oa, pb, ob)
		}
	}
	fmt.Printf("FAIL %v\n0 passed, 1 failed\n", err)
	return 1
}

func compareStreams(pa string, oa []object, pb string, ob []object) int {
	ma, da := index(oa, pa)
	mb, db := index(ob, pb)
	lines := append(da, db...)
	failed := len(lines)
	passed := 0
	ids := make([]string, 0, len(ma)+len(mb))
	for id := range ma {
		ids = append(ids, id)
	}
	for id := range mb {
		if _, ok := ma[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		a, aok := ma[id]
		b, bok := mb[id]
		switch {
		case !bok:
			lines, failed = append(lines, fmt.Sprintf("FAIL %s: only in %s", id, pa)), failed+1
		case !aok:
			lines, failed = append(lines, fmt.Sprintf("FAIL %s: only in %s", id, pb)), failed+1
		default:
			if d := firstDiff(a, b, ""); d != "" {
				lines, failed = append(lines, fmt.Sprintf("FAIL %s: differs at %s", id, strings.TrimPrefix(d, "."))), failed+1
			} else {
				lines, passed = append(lines, "ok "+id), passed+1
			}
		}
	}
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

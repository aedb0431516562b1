// Command gooracle prints what Helm's engine prints for values: the reference the TypeScript
// printers (src/render/gofmt.ts, src/render/goyaml.ts) are tested against. It uses the very
// libraries Helm uses: sigs.k8s.io/yaml (values files, toYaml), encoding/json (toJson) and fmt
// (what {{ x }} prints).
//
// Modes (flag -mode):
//
//	yaml  (default) stdin is one YAML values document, read as Helm reads values files
//	      (sigs.k8s.io/yaml.Unmarshal). Prints one JSON line per node, the root first, then every
//	      subtree depth-first (map keys in sorted order).
//	multi stdin holds one JSON string per line, each a YAML document; prints one JSON line per
//	      document: {"error": "..."} or {"nodes": [...]} with the nodes of mode yaml.
//	typed stdin holds one typed value per line (JSON), so that int64 and exact float64 values
//	      can be given: {"s":"text"} {"f":"<16 hex digits of the float64 bits>"} {"i":"<int64>"}
//	      {"b":true} {"n":null} {"l":[...]} {"m":[["key",value],...]}; prints one node per line.
//
// A node is {"path": [...], "yaml": toYaml, "json": toJson, "print": {{ x }}, "quote": %q
// (strings only)}, each exactly as Helm computes it: toYaml is sigs.k8s.io/yaml.Marshal with the
// trailing newline trimmed, toJson is json.Marshal, both "" on error (Helm swallows the error;
// yamlError/jsonError carry it); print is fmt.Sprint, except that nil prints "" (text/template
// prints "<no value>", which Helm removes).
//
// Build in GOPATH mode against the Debian packages:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o gooracle ./test/support/gooracle
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

type node struct {
	Path      []interface{} `json:"path"`
	Yaml      string        `json:"yaml"`
	YamlError string        `json:"yamlError,omitempty"`
	JSON      string        `json:"json"`
	JSONError string        `json:"jsonError,omitempty"`
	Print     string        `json:"print"`
	Quote     *string       `json:"quote,omitempty"`
}

// toYAML is Helm's toYaml (pkg/engine/funcs.go).
func toYAML(v interface{}) (string, string) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return "", err.Error()
	}
	return strings.TrimSuffix(string(data), "\n"), ""
}

// toJSON is Helm's toJson (pkg/engine/funcs.go).
func toJSON(v interface{}) (string, string) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err.Error()
	}
	return string(data), ""
}

func describe(path []interface{}, v interface{}) node {
	n := node{Path: append([]interface{}{}, path...)}
	n.Yaml, n.YamlError = toYAML(v)
	n.JSON, n.JSONError = toJSON(v)
	if v != nil {
		n.Print = fmt.Sprint(v)
	}
	if s, ok := v.(string); ok {
		q := fmt.Sprintf("%q", s)
		n.Quote = &q
	}
	return n
}

func walk(path []interface{}, v interface{}, out *[]node) {
	*out = append(*out, describe(path, v))
	switch t := v.(type) {
	case map[string]interface{}:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(append(path, k), t[k], out)
		}
	case []interface{}:
		for i, e := range t {
			walk(append(path, i), e, out)
		}
	}
}

func readValues(doc []byte) (interface{}, error) {
	var v interface{}
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// decodeTyped turns the typed JSON form into Go values of the types Helm's engine sees.
func decodeTyped(raw json.RawMessage) (interface{}, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	if len(obj) != 1 {
		return nil, fmt.Errorf("typed value needs exactly one key: %s", raw)
	}
	for k, body := range obj {
		switch k {
		case "s":
			var s string
			err := json.Unmarshal(body, &s)
			return s, err
		case "f":
			var h string
			if err := json.Unmarshal(body, &h); err != nil {
				return nil, err
			}
			bits, err := strconv.ParseUint(h, 16, 64)
			return math.Float64frombits(bits), err
		case "i":
			var d string
			if err := json.Unmarshal(body, &d); err != nil {
				return nil, err
			}
			return strconv.ParseInt(d, 10, 64)
		case "b":
			var b bool
			err := json.Unmarshal(body, &b)
			return b, err
		case "n":
			return nil, nil
		case "l":
			var items []json.RawMessage
			if err := json.Unmarshal(body, &items); err != nil {
				return nil, err
			}
			l := make([]interface{}, 0, len(items))
			for _, it := range items {
				v, err := decodeTyped(it)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			return l, nil
		case "m":
			var pairs [][2]json.RawMessage
			if err := json.Unmarshal(body, &pairs); err != nil {
				return nil, err
			}
			m := make(map[string]interface{}, len(pairs))
			for _, p := range pairs {
				var key string
				if err := json.Unmarshal(p[0], &key); err != nil {
					return nil, err
				}
				v, err := decodeTyped(p[1])
				if err != nil {
					return nil, err
				}
				m[key] = v
			}
			return m, nil
		}
		return nil, fmt.Errorf("unknown typed value kind %q", k)
	}
	panic("unreachable")
}

func main() {
	mode := flag.String("mode", "yaml", "yaml | multi | typed")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	fail := func(err error) {
		w.Flush()
		fmt.Fprintln(os.Stderr, "gooracle:", err)
		os.Exit(1)
	}

	switch *mode {
	case "yaml":
		doc, err := io.ReadAll(os.Stdin)
		if err != nil {
			fail(err)
		}
		v, err := readValues(doc)
		if err != nil {
			fail(err)
		}
		var nodes []node
		walk(nil, v, &nodes)
		for _, n := range nodes {
			if err := enc.Encode(n); err != nil {
				fail(err)
			}
		}
	case "multi", "typed":
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 1<<20), 1<<30)
		for sc.Scan() {
			line := sc.Bytes()
			if len(line) == 0 {
				continue
			}
			if *mode == "typed" {
				v, err := decodeTyped(line)
				if err != nil {
					fail(err)
				}
				if err := enc.Encode(describe(nil, v)); err != nil {
					fail(err)
				}
				continue
			}
			var doc string
			if err := json.Unmarshal(line, &doc); err != nil {
				fail(err)
			}
			v, err := readValues([]byte(doc))
			if err != nil {
				if err := enc.Encode(map[string]string{"error": err.Error()}); err != nil {
					fail(err)
				}
				continue
			}
			nodes := []node{}
			walk(nil, v, &nodes)
			if err := enc.Encode(map[string][]node{"nodes": nodes}); err != nil {
				fail(err)
			}
		}
		if err := sc.Err(); err != nil {
			fail(err)
		}
	default:
		fail(fmt.Errorf("unknown mode %q", *mode))
	}
}

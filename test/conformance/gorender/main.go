// Command gorender renders a packaged chart the way `helm template` (Helm 3.15) does, using the
// libraries Helm's engine is made of: Go's text/template, sprig v3 and sigs.k8s.io/yaml. It is
// the conformance suite's reference for the Handlebars renderer; real `helm` is used as well
// where it is installed.
//
// Usage:
//
//	gorender [--release NAME] [--namespace NS] [--kube-version V] [-f values.yaml]...
//	         [--show-only templates/x.yaml]... [--output-dir DIR [--release-name]] CHART
//
// CHART is a chart directory or a .tgz archive (one top folder). Output (stdout, stderr, exit
// code) follows `helm template`: manifests split, kind-sorted and printed with `# Source:`
// headers, hooks after them; errors as `Error: ...` with exit code 1.
//
// Not modelled: subcharts, .helmignore, crds/, toToml, .Files.Glob, --set flags, schema checks.
//
// Build in GOPATH mode against the Debian packages; the canonical `/v3` import paths resolve
// through a GOPATH entry whose sprig/v3 and semver/v3 folders link to the Debian sources (see
// ../gorender.ts, which builds it).
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/semver/v3"
	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// ---------------------------------------------------------------------------------------------
// The objects templates see, shaped as Helm's (chartutil, chart, internal/version).

// Values is chartutil.Values.
type Values map[string]interface{}

// AsMap returns the values as a plain map, never nil.
func (v Values) AsMap() map[string]interface{} {
	if len(v) == 0 {
		return map[string]interface{}{}
	}
	return v
}

// YAML encodes the values.
func (v Values) YAML() (string, error) {
	b, err := yaml.Marshal(v)
	return string(b), err
}

// Maintainer is chart.Maintainer.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Dependency is chart.Dependency.
type Dependency struct {
	Name         string        `json:"name"`
	Version      string        `json:"version,omitempty"`
	Repository   string        `json:"repository"`
	Condition    string        `json:"condition,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	Enabled      bool          `json:"enabled,omitempty"`
	ImportValues []interface{} `json:"import-values,omitempty"`
	Alias        string        `json:"alias,omitempty"`
}

// Metadata is chart.Metadata: Chart.yaml with Go field names.
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

// KubeVersion is chartutil.KubeVersion.
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

// String implements fmt.Stringer.
func (kv *KubeVersion) String() string { return kv.Version }

// GitVersion is the deprecated alias of Version.
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// VersionSet is chartutil.VersionSet.
type VersionSet []string

// Has reports whether apiVersion is in the set.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// BuildInfo is Helm's internal/version.BuildInfo.
type BuildInfo struct {
	Version      string `json:"version,omitempty"`
	GitCommit    string `json:"git_commit,omitempty"`
	GitTreeState string `json:"git_tree_state,omitempty"`
	GoVersion    string `json:"go_version,omitempty"`
}

// Capabilities is chartutil.Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion BuildInfo
}

// Files is the chart's non-template files (.Files); Get and GetBytes as in Helm.
type Files map[string][]byte

// GetBytes returns a file's bytes, nil when absent.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Get returns a file's text, "" when absent.
func (f Files) Get(name string) string { return string(f[name]) }

// Lines returns a file's lines.
func (f Files) Lines(name string) []string {
	if f[name] == nil {
		return []string{}
	}
	return strings.Split(string(f[name]), "\n")
}

const helmVersion = "v3.15.0"

// defaultAPIVersions approximates chartutil.DefaultVersionSet of a Helm built with client-go
// v0.30: the group/versions of client-go's scheme plus apiextensions (no kinds).
var defaultAPIVersions = VersionSet{
	"v1",
	"admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1", "admissionregistration.k8s.io/v1alpha1",
	"internal.apiserver.k8s.io/v1alpha1",
	"apps/v1", "apps/v1beta2", "apps/v1beta1",
	"events.k8s.io/v1", "events.k8s.io/v1beta1",
	"authentication.k8s.io/v1", "authentication.k8s.io/v1beta1", "authentication.k8s.io/v1alpha1",
	"authorization.k8s.io/v1", "authorization.k8s.io/v1beta1",
	"autoscaling/v2", "autoscaling/v1", "autoscaling/v2beta2", "autoscaling/v2beta1",
	"batch/v1", "batch/v1beta1",
	"certificates.k8s.io/v1", "certificates.k8s.io/v1beta1", "certificates.k8s.io/v1alpha1",
	"networking.k8s.io/v1", "networking.k8s.io/v1beta1", "networking.k8s.io/v1alpha1",
	"extensions/v1beta1",
	"policy/v1", "policy/v1beta1",
	"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1",
	"storage.k8s.io/v1", "storage.k8s.io/v1beta1", "storage.k8s.io/v1alpha1",
	"storagemigration.k8s.io/v1alpha1",
	"coordination.k8s.io/v1", "coordination.k8s.io/v1beta1",
	"node.k8s.io/v1", "node.k8s.io/v1beta1", "node.k8s.io/v1alpha1",
	"discovery.k8s.io/v1", "discovery.k8s.io/v1beta1",
	"flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta3",
	"flowcontrol.apiserver.k8s.io/v1beta2", "flowcontrol.apiserver.k8s.io/v1beta1",
	"scheduling.k8s.io/v1", "scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1alpha1",
	"resource.k8s.io/v1alpha2",
	"apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1",
}

// parseKubeVersion is chartutil.ParseKubeVersion.
func parseKubeVersion(v string) (*KubeVersion, error) {
	sv, err := semver.NewVersion(v)
	if err != nil {
		return nil, err
	}
	return &KubeVersion{
		Version: "v" + sv.String(),
		Major:   strconv.FormatUint(sv.Major(), 10),
		Minor:   strconv.FormatUint(sv.Minor(), 10),
	}, nil
}

// ---------------------------------------------------------------------------------------------
// Loading a chart (directory or archive), as Helm's loader sorts its files.

type chart struct {
	meta      Metadata
	values    map[string]interface{}
	templates map[string]string // "templates/x.yaml" -> source
	files     Files
}

func readChartFiles(p string) (map[string][]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	if st.IsDir() {
		err = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(p, fp)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(fp)
			out[filepath.ToSlash(rel)] = data
			return err
		})
		return out, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if hd.Typeflag != tar.TypeReg {
			continue
		}
		// The archive's top folder is dropped; the chart's name comes from Chart.yaml.
		parts := strings.Split(filepath.ToSlash(hd.Name), "/")
		if len(parts) < 2 {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[strings.Join(parts[1:], "/")] = data
	}
	return out, nil
}

func loadChart(p string) (*chart, error) {
	raw, err := readChartFiles(p)
	if err != nil {
		return nil, err
	}
	c := &chart{templates: map[string]string{}, files: Files{}, values: map[string]interface{}{}}
	data, ok := raw["Chart.yaml"]
	if !ok {
		return nil, errors.New("Chart.yaml file is missing")
	}
	if err := yaml.Unmarshal(data, &c.meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %w", err)
	}
	if c.meta.APIVersion == "" {
		c.meta.APIVersion = "v1"
	}
	for name, data := range raw {
		switch {
		case name == "Chart.yaml":
		case name == "values.yaml":
			if err := yaml.Unmarshal(data, &c.values); err != nil {
				return nil, fmt.Errorf("cannot load values.yaml: %w", err)
			}
			if c.values == nil {
				c.values = map[string]interface{}{}
			}
		case strings.HasPrefix(name, "templates/"):
			c.templates[name] = string(data)
		case name == "values.schema.json" || strings.HasPrefix(name, "charts/"):
		default:
			c.files[name] = data
		}
	}
	return c, nil
}

// ---------------------------------------------------------------------------------------------
// Values: -f files merged (cli/values mergeMaps), then coalesced over the chart's defaults
// (chartutil.CoalesceValues).

func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(bv, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, x := range t {
			l[i] = deepCopy(x)
		}
		return l
	}
	return v
}

func warnf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// coalesceValues lays the chart's defaults under the user's values v (higher precedence).
func coalesceValues(chartName string, defaults, v map[string]interface{}) {
	for key, val := range defaults {
		value, ok := v[key]
		if !ok {
			v[key] = val
			continue
		}
		if value == nil {
			// null in a user value deletes the chart's key.
			delete(v, key)
		} else if dest, ok := value.(map[string]interface{}); ok {
			if src, ok := val.(map[string]interface{}); ok {
				coalesceTables(dest, src, chartName+"."+key)
			} else if val != nil {
				warnf("warning: skipped value for %s.%s: Not a table.", chartName, key)
			}
		}
	}
}

func coalesceTables(dst, src map[string]interface{}, prefix string) {
	for key, val := range src {
		fullkey := prefix + "." + key
		dv, ok := dst[key]
		if ok && dv == nil {
			delete(dst, key)
		} else if !ok {
			dst[key] = val
		} else if sv, isTable := val.(map[string]interface{}); isTable {
			if dt, ok := dv.(map[string]interface{}); ok {
				coalesceTables(dt, sv, fullkey)
			} else {
				warnf("warning: cannot overwrite table with non table for %s (%v)", fullkey, val)
			}
		} else if _, ok := dv.(map[string]interface{}); ok && val != nil {
			warnf("warning: destination for %s is a table. Ignoring non-table value (%v)", fullkey, val)
		}
	}
}

func buildValues(c *chart, valueFiles []string) (Values, error) {
	user := map[string]interface{}{}
	for _, f := range valueFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		current := map[string]interface{}{}
		if err := yaml.Unmarshal(data, &current); err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", f, err)
		}
		user = mergeMaps(user, current)
	}
	v := deepCopy(user).(map[string]interface{})
	coalesceValues(c.meta.Name, deepCopy(c.values).(map[string]interface{}), v)
	return Values(v), nil
}

// ---------------------------------------------------------------------------------------------
// The engine (pkg/engine): all templates parsed into one set, every non-partial executed.

const (
	warnStart    = "HELM_ERR_START"
	warnEnd      = "HELM_ERR_END"
	maxRecursion = 1000
)

var warnRegex = regexp.MustCompile(warnStart + `((?s).*)` + warnEnd)

func warnWrap(msg string) string { return warnStart + msg + warnEnd }

func includeFun(t *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if n, ok := included[name]; ok && n > maxRecursion {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		included[name]++
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		included[name]--
		return buf.String(), err
	}
}

func tplFun(parent *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(text string, vals interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t.Option("missingkey=zero")
		t.Funcs(template.FuncMap{"include": includeFun(t, included), "tpl": tplFun(t, included)})
		t, err = t.New(parent.Name()).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

func funcMap(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	included := map[string]int{}
	extra := template.FuncMap{
		"toYaml": func(v interface{}) string {
			data, err := yaml.Marshal(v)
			if err != nil {
				return "" // Helm swallows the error
			}
			return strings.TrimSuffix(string(data), "\n")
		},
		"fromYaml": func(s string) map[string]interface{} {
			m := map[string]interface{}{}
			if err := yaml.Unmarshal([]byte(s), &m); err != nil {
				m["Error"] = err.Error()
			}
			return m
		},
		"fromYamlArray": func(s string) []interface{} {
			a := []interface{}{}
			if err := yaml.Unmarshal([]byte(s), &a); err != nil {
				a = []interface{}{err.Error()}
			}
			return a
		},
		"toJson": func(v interface{}) string {
			data, err := json.Marshal(v)
			if err != nil {
				return ""
			}
			return string(data)
		},
		"fromJson": func(s string) map[string]interface{} {
			m := map[string]interface{}{}
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				m["Error"] = err.Error()
			}
			return m
		},
		"fromJsonArray": func(s string) []interface{} {
			a := []interface{}{}
			if err := json.Unmarshal([]byte(s), &a); err != nil {
				a = []interface{}{err.Error()}
			}
			return a
		},
		"include": includeFun(t, included),
		"tpl":     tplFun(t, included),
		"required": func(msg string, val interface{}) (interface{}, error) {
			if s, isStr := val.(string); val == nil || (isStr && s == "") {
				// Helm formats the message (pkg/errors.Errorf), so a '%' in it is a verb.
				return val, fmt.Errorf(warnWrap(msg))
			}
			return val, nil
		},
		"fail": func(msg string) (string, error) {
			return "", errors.New(warnWrap(msg))
		},
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		"getHostByName": func(string) string { return "" },
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func cleanupParseError(name string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error in (%s): %s", name, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

func cleanupExecError(name string, err error) error {
	if _, ok := err.(template.ExecError); !ok {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %s", name, err)
	}
	if parts := warnRegex.FindStringSubmatch(tokens[2]); len(parts) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", tokens[1], parts[1])
	}
	return err
}

// sortTemplates is Helm's parse/execution order: deeper paths first, then reverse byte order.
func sortTemplates(names []string) {
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i], names[j]
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca == cb {
			return a > b
		}
		return ca > cb
	})
}

func render(c *chart, top Values) (rendered map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	t := template.New("gotpl")
	t.Option("missingkey=zero")
	t.Funcs(funcMap(t))
	names := make([]string, 0, len(c.templates))
	sources := map[string]string{}
	for n, src := range c.templates {
		full := path.Join(c.meta.Name, n)
		names = append(names, full)
		sources[full] = src
	}
	sortTemplates(names)
	for _, n := range names {
		if _, err := t.New(n).Parse(sources[n]); err != nil {
			return nil, cleanupParseError(n, err)
		}
	}
	rendered = map[string]string{}
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			continue
		}
		top["Template"] = Values{"Name": n, "BasePath": path.Join(c.meta.Name, "templates")}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, n, top); err != nil {
			return nil, cleanupExecError(n, err)
		}
		rendered[n] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return rendered, nil
}

// ---------------------------------------------------------------------------------------------
// Manifests (pkg/releaseutil): split, hooks apart, kind-sorted.

var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
	"RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController",
	"ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"IngressClass", "Ingress", "APIService",
}

var hookEvents = map[string]bool{
	"pre-install": true, "post-install": true, "pre-delete": true, "post-delete": true,
	"pre-upgrade": true, "post-upgrade": true, "pre-rollback": true, "post-rollback": true,
	"test": true, "test-success": true,
}

type simpleHead struct {
	Version  string `json:"apiVersion"`
	Kind     string `json:"kind,omitempty"`
	Metadata *struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata,omitempty"`
}

type manifest struct {
	name    string // "dify/templates/x.yaml"
	content string
	kind    string
}

var sep = regexp.MustCompile("(?:^|\\s*\n)---\\s*")

// splitManifests is releaseutil.SplitManifests, in document order.
func splitManifests(text string) []string {
	var docs []string
	for _, d := range sep.Split(strings.TrimSpace(text), -1) {
		if d == "" {
			continue
		}
		docs = append(docs, strings.TrimSpace(d))
	}
	return docs
}

// sortManifests is releaseutil.SortManifests: generic manifests and hooks, each kind-sorted.
func sortManifests(files map[string]string) (generic, hooks []manifest, err error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		content := files[p]
		if strings.HasPrefix(path.Base(p), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		for _, doc := range splitManifests(content) {
			var head simpleHead
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return nil, nil, fmt.Errorf("YAML parse error on %s: %w", p, err)
			}
			m := manifest{name: p, content: doc, kind: head.Kind}
			if head.Metadata == nil || len(head.Metadata.Annotations) == 0 {
				generic = append(generic, m)
				continue
			}
			types, isHook := head.Metadata.Annotations["helm.sh/hook"]
			if !isHook {
				generic = append(generic, m)
				continue
			}
			known := true
			for _, ev := range strings.Split(types, ",") {
				if !hookEvents[strings.ToLower(strings.TrimSpace(ev))] {
					known = false
					break
				}
			}
			if known { // unknown hooks are dropped, as Helm does
				hooks = append(hooks, m)
			}
		}
	}
	rank := map[string]int{}
	for i, k := range installOrder {
		rank[k] = i
	}
	less := func(a, b string) bool {
		ra, aok := rank[a]
		rb, bok := rank[b]
		if !aok && !bok {
			return a < b
		}
		if !aok {
			return false
		}
		if !bok {
			return true
		}
		return ra < rb
	}
	sort.SliceStable(generic, func(i, j int) bool { return less(generic[i].kind, generic[j].kind) })
	sort.SliceStable(hooks, func(i, j int) bool { return less(hooks[i].kind, hooks[j].kind) })
	return generic, hooks, nil
}

// ---------------------------------------------------------------------------------------------
// `helm template` (pkg/action renderResources, cmd/helm/template.go).

type options struct {
	release, namespace, kubeVersion, outputDir string
	useReleaseName                             bool
	valueFiles, showOnly                       []string
	chart                                      string
}

func parseArgs(args []string) (*options, error) {
	o := &options{release: "release-name", namespace: "default", kubeVersion: "v1.30.0"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "-") {
			if o.chart != "" {
				return nil, fmt.Errorf("unexpected argument %q", a)
			}
			o.chart = a
			continue
		}
		if name == "--release-name" {
			o.useReleaseName = true
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			val = args[i]
		}
		switch name {
		case "-f", "--values":
			o.valueFiles = append(o.valueFiles, val)
		case "--release":
			o.release = val
		case "-n", "--namespace":
			o.namespace = val
		case "--kube-version":
			o.kubeVersion = val
		case "-s", "--show-only":
			o.showOnly = append(o.showOnly, val)
		case "--output-dir":
			o.outputDir = val
		default:
			return nil, fmt.Errorf("unknown flag: %s", name)
		}
	}
	if o.chart == "" {
		return nil, errors.New("missing CHART argument")
	}
	return o, nil
}

// renderError marks errors Helm reports after it has built a release (with the --debug hint).
type renderError struct{ err error }

func (e renderError) Error() string {
	return e.err.Error() + "\n\nUse --debug flag to render out invalid YAML"
}

const docFormat = "---\n# Source: %s\n%s\n"

func writeToFile(dir, name, data string, appendTo bool) error {
	file := strings.Join([]string{dir, name}, string(filepath.Separator))
	if err := os.MkdirAll(path.Dir(file), 0o755); err != nil {
		return err
	}
	flags := os.O_CREATE | os.O_TRUNC | os.O_WRONLY
	if appendTo {
		flags = os.O_APPEND | os.O_WRONLY
	}
	f, err := os.OpenFile(file, flags, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, docFormat, name, data); err != nil {
		return err
	}
	fmt.Printf("wrote %s\n", file)
	return nil
}

func run(o *options) error {
	kv, err := parseKubeVersion(o.kubeVersion)
	if err != nil {
		return fmt.Errorf("invalid kube version '%s': %s", o.kubeVersion, err)
	}
	c, err := loadChart(o.chart)
	if err != nil {
		return err
	}
	vals, err := buildValues(c, o.valueFiles)
	if err != nil {
		return err
	}
	caps := &Capabilities{KubeVersion: *kv, APIVersions: defaultAPIVersions, HelmVersion: BuildInfo{Version: helmVersion}}
	if c.meta.KubeVersion != "" {
		cons, cerr := semver.NewConstraint(c.meta.KubeVersion)
		ver, verr := semver.NewVersion(kv.Version)
		if cerr != nil || verr != nil || !cons.Check(ver) {
			return renderError{fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", c.meta.KubeVersion, kv.Version)}
		}
	}
	top := Values{
		"Chart": struct {
			Metadata
			IsRoot bool
		}{c.meta, true},
		"Capabilities": caps,
		"Release": map[string]interface{}{
			"Name": o.release, "Namespace": o.namespace, "IsUpgrade": false, "IsInstall": true,
			"Revision": 1, "Service": "Helm",
		},
		"Values":    vals,
		"Files":     c.files,
		"Subcharts": map[string]interface{}{},
	}
	files, err := render(c, top)
	if err != nil {
		return renderError{err}
	}
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	generic, hooks, err := sortManifests(files)
	if err != nil {
		return renderError{err}
	}

	var manifests strings.Builder
	newDir := o.outputDir
	if o.useReleaseName {
		newDir = filepath.Join(o.outputDir, o.release)
	}
	written := map[string]bool{}
	for _, m := range generic {
		if o.outputDir == "" {
			fmt.Fprintf(&manifests, docFormat, m.name, m.content)
			continue
		}
		if err := writeToFile(newDir, m.name, m.content, written[m.name]); err != nil {
			return err
		}
		written[m.name] = true
	}
	var out strings.Builder
	fmt.Fprintln(&out, strings.TrimSpace(manifests.String()))
	hookWritten := map[string]bool{}
	for _, h := range hooks {
		if o.outputDir == "" {
			fmt.Fprintf(&out, docFormat, h.name, h.content)
			continue
		}
		if _, err := os.Stat(filepath.Join(newDir, h.name)); err == nil {
			hookWritten[h.name] = true
		}
		if err := writeToFile(newDir, h.name, h.content, hookWritten[h.name]); err != nil {
			return err
		}
	}
	if len(o.showOnly) == 0 {
		fmt.Print(out.String())
		return nil
	}
	sourceRegex := regexp.MustCompile("# Source: [^/]+/(.+)")
	var selected []string
	docs := splitManifests(out.String())
	for _, pattern := range o.showOnly {
		pattern = filepath.ToSlash(pattern)
		missing := true
		for _, doc := range docs {
			sub := sourceRegex.FindStringSubmatch(doc)
			if len(sub) == 0 {
				continue
			}
			if ok, _ := filepath.Match(pattern, sub[1]); ok {
				selected = append(selected, doc)
				missing = false
			}
		}
		if missing {
			return fmt.Errorf("could not find template %s in chart", pattern)
		}
	}
	for _, doc := range selected {
		fmt.Printf("---\n%s\n", doc)
	}
	return nil
}

func main() {
	o, err := parseArgs(os.Args[1:])
	if err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		os.Exit(1)
	}
}

// chart-render renders a Helm chart the way `helm template` does, for machines without a helm binary.
//
// It loads the chart's values.yaml, merges -f files and --set/--set-string values over it, and executes every
// template under templates/ with Go's text/template, sprig's TxtFuncMap and Helm's own functions (include, tpl,
// toYaml, fromYaml, toJson, fromJson, required, lookup). The data is what Helm passes: .Values, .Release, .Chart,
// .Capabilities, .Template and .Files. Partials (_*.tpl) are parsed but not printed, empty documents are dropped,
// every document must be YAML with apiVersion, kind and metadata.name, crds/ is printed first and the rest in
// Helm's install order.
//
// Build (Debian golang-go and golang-github-masterminds-sprig-dev, GOPATH mode):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o chart-render ./hack/chart-render
//
// Use: chart-render [--name longshore] [--namespace NS] [-f values.yaml]... [--set a.b=c]... [--set-string a=b]... CHART
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig" // Debian ships sprig v3 here (GOPATH layout)
	"github.com/ghodss/yaml"
)

// Helm's install order (pkg/releaseutil/kind_sorter.go); kinds not listed come last, by name.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
	"PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
	"ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"IngressClass", "Ingress", "APIService",
}

// Helm's recursion limit for include.
const includeDepth = 1000

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// Files is .Files: the chart's files outside templates/.
type Files map[string][]byte

func (f Files) Get(name string) string      { return string(f[name]) }
func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Lines(name string) []string {
	if f[name] == nil {
		return []string{}
	}
	return strings.Split(string(f[name]), "\n")
}
func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := filepath.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

// APIVersions is .Capabilities.APIVersions.
type APIVersions []string

func (a APIVersions) Has(version string) bool {
	for _, v := range a {
		if v == version {
			return true
		}
	}
	return false
}

type document struct {
	source string
	kind   string
	body   string
}

func main() {
	var valueFiles, sets, setStrings, apiVersions listFlag
	name := flag.String("name", "longshore", "release name (.Release.Name)")
	namespace := flag.String("namespace", "default", "release namespace (.Release.Namespace)")
	kubeVersion := flag.String("kube-version", "v1.20.2", "Kubernetes version for .Capabilities.KubeVersion")
	skipCrds := flag.Bool("skip-crds", false, "do not print crds/")
	flag.Var(&valueFiles, "f", "values file merged over values.yaml (repeatable)")
	flag.Var(&sets, "set", "key.path=value, typed like Helm's --set (repeatable)")
	flag.Var(&setStrings, "set-string", "key.path=value, always a string (repeatable)")
	flag.Var(&apiVersions, "api-versions", "extra API version for .Capabilities.APIVersions (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fail(errors.New("exactly one argument expected: the chart directory"))
	}
	out, err := render(flag.Arg(0), *name, *namespace, *kubeVersion, !*skipCrds, valueFiles, sets, setStrings, apiVersions)
	if err != nil {
		fail(err)
	}
	os.Stdout.WriteString(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "Error:", err)
	os.Exit(1)
}

func render(chartDir, releaseName, namespace, kubeVersion string, withCrds bool, valueFiles, sets, setStrings, apiVersions []string) (string, error) {
	chartMeta, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	chartName, _ := chartMeta["name"].(string)
	if chartName == "" {
		return "", errors.New("Chart.yaml: name is required")
	}
	if v, _ := chartMeta["apiVersion"].(string); v != "v2" {
		return "", fmt.Errorf("Chart.yaml: apiVersion must be v2, got %q", v)
	}
	if v, _ := chartMeta["version"].(string); v == "" {
		return "", errors.New("Chart.yaml: version is required")
	}
	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return "", err
	}
	for _, file := range valueFiles {
		override, err := readYAMLMap(file)
		if err != nil {
			return "", err
		}
		values = merge(values, override)
	}
	for _, s := range sets {
		if err := setValue(values, s, false); err != nil {
			return "", err
		}
	}
	for _, s := range setStrings {
		if err := setValue(values, s, true); err != nil {
			return "", err
		}
	}

	files := Files{}
	var templates, crds []string
	err = filepath.Walk(chartDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			if bytes.Contains(data, []byte("\t")) && strings.HasSuffix(rel, ".yaml") {
				return fmt.Errorf("%s: tabs are not allowed in YAML templates", rel)
			}
			templates = append(templates, rel)
			files[rel] = data
		case strings.HasPrefix(rel, "crds/"):
			crds = append(crds, rel)
			files[rel] = data
		case rel == "Chart.yaml" || rel == "values.yaml":
		default:
			files[rel] = data
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(templates)
	sort.Strings(crds)

	major, minor := "1", "20"
	if parts := strings.SplitN(strings.TrimPrefix(kubeVersion, "v"), ".", 3); len(parts) >= 2 {
		major, minor = parts[0], parts[1]
	}
	versions := APIVersions{"v1", "apps/v1", "rbac.authorization.k8s.io/v1", "admissionregistration.k8s.io/v1",
		"apiextensions.k8s.io/v1", "policy/v1beta1", "coordination.k8s.io/v1"}
	versions = append(versions, apiVersions...)
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": releaseName, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": chartObject(chartMeta),
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": kubeVersion, "Major": major, "Minor": minor, "GitVersion": kubeVersion},
			"APIVersions": versions,
		},
		"Files": files,
	}

	root := template.New("gotpl").Option("missingkey=zero")
	includedNames := map[string]int{}
	funcs := funcMap()
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if includedNames[name] > includeDepth {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includedNames[name]++
		defer func() { includedNames[name]-- }()
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New(path.Join(chartName, "templates", "tpl")).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %v", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	root.Funcs(funcs)
	for _, rel := range templates {
		full := path.Join(chartName, rel)
		if _, err := root.New(full).Parse(string(files[rel])); err != nil {
			return "", err
		}
	}

	var docs []document
	for _, rel := range templates {
		base := path.Base(rel)
		if strings.HasPrefix(base, "_") || !(strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")) {
			continue // partials and NOTES.txt
		}
		full := path.Join(chartName, rel)
		data := copyTop(top)
		data["Template"] = map[string]interface{}{"Name": full, "BasePath": path.Join(chartName, "templates")}
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, full, data); err != nil {
			return "", err
		}
		rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
		split, err := splitManifests(full, rendered)
		if err != nil {
			return "", err
		}
		docs = append(docs, split...)
	}
	// NOTES.txt must render too (helm install prints it).
	if notes := path.Join(chartName, "templates", "NOTES.txt"); root.Lookup(notes) != nil {
		data := copyTop(top)
		data["Template"] = map[string]interface{}{"Name": notes, "BasePath": path.Join(chartName, "templates")}
		if err := root.ExecuteTemplate(&strings.Builder{}, notes, data); err != nil {
			return "", err
		}
	}
	sort.SliceStable(docs, func(i, j int) bool { return kindLess(docs[i].kind, docs[j].kind) })

	var out strings.Builder
	if withCrds {
		for _, rel := range crds {
			split, err := splitManifests(path.Join(chartName, rel), string(files[rel]))
			if err != nil {
				return "", err
			}
			for _, d := range split {
				fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", d.source, d.body)
			}
		}
	}
	for _, d := range docs {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", d.source, d.body)
	}
	return out.String(), nil
}

var separator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// splitManifests splits a rendered file into its documents as Helm does, drops empty ones and checks each is a
// Kubernetes object.
func splitManifests(source, rendered string) ([]document, error) {
	var docs []document
	for _, part := range separator.Split(rendered, -1) {
		body := strings.TrimSpace(part)
		if body == "" || onlyComments(body) {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   *struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(body), &head); err != nil {
			return nil, fmt.Errorf("YAML parse error on %s: %v", source, err)
		}
		if head.APIVersion == "" || head.Kind == "" || head.Metadata == nil || head.Metadata.Name == "" {
			return nil, fmt.Errorf("%s: a document lacks apiVersion, kind or metadata.name:\n%s", source, body)
		}
		docs = append(docs, document{source: source, kind: head.Kind, body: body})
	}
	return docs, nil
}

func onlyComments(body string) bool {
	for _, line := range strings.Split(body, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

func kindLess(a, b string) bool {
	ia, ib := kindIndex(a), kindIndex(b)
	if ia != ib {
		return ia < ib
	}
	if ia == len(installOrder) {
		return a < b
	}
	return false
}

func kindIndex(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

// chartObject is .Chart: Chart.yaml's fields with Helm's capitalised names (name -> Name, appVersion -> AppVersion).
func chartObject(meta map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range meta {
		out[strings.ToUpper(k[:1])+k[1:]] = v
	}
	if v, ok := meta["apiVersion"]; ok {
		out["APIVersion"] = v
	}
	return out
}

func copyTop(top map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(top)+1)
	for k, v := range top {
		out[k] = v
	}
	return out
}

func readYAMLMap(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return out, nil
}

// merge coalesces override onto base as Helm merges values files: maps deeply, everything else replaced, null deletes.
func merge(base, override map[string]interface{}) map[string]interface{} {
	for k, v := range override {
		if v == nil {
			delete(base, k)
			continue
		}
		if vm, ok := v.(map[string]interface{}); ok {
			if bm, ok := base[k].(map[string]interface{}); ok {
				base[k] = merge(bm, vm)
				continue
			}
		}
		base[k] = v
	}
	return base
}

var indexed = regexp.MustCompile(`^([^\[\]]+)\[(\d+)\]$`)

// setValue applies one --set: a dotted path (name[i] indexes a list) and a value typed as Helm types it
// (null, true/false, integers; everything else a string). Commas and braces of Helm's list syntax are not supported.
func setValue(values map[string]interface{}, assignment string, asString bool) error {
	eq := strings.Index(assignment, "=")
	if eq <= 0 {
		return fmt.Errorf("--set %q: expected key.path=value", assignment)
	}
	keys := strings.Split(assignment[:eq], ".")
	var value interface{} = assignment[eq+1:]
	if !asString {
		value = typed(assignment[eq+1:])
	}
	var current interface{} = values
	for i, key := range keys {
		last := i == len(keys)-1
		m, ok := current.(map[string]interface{})
		if !ok {
			return fmt.Errorf("--set %q: %s is not a map", assignment, strings.Join(keys[:i], "."))
		}
		if match := indexed.FindStringSubmatch(key); match != nil {
			index, _ := strconv.Atoi(match[2])
			list, _ := m[match[1]].([]interface{})
			for len(list) <= index {
				list = append(list, map[string]interface{}{})
			}
			m[match[1]] = list
			if last {
				list[index] = value
				return nil
			}
			current = list[index]
			continue
		}
		if last {
			if value == nil {
				delete(m, key)
			} else {
				m[key] = value
			}
			return nil
		}
		next, ok := m[key].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[key] = next
		}
		current = next
	}
	return nil
}

func typed(v string) interface{} {
	switch v {
	case "null":
		return nil
	case "true":
		return true
	case "false":
		return false
	}
	if i, err := strconv.ParseInt(v, 10, 64); err == nil && (v == "0" || !strings.HasPrefix(v, "0")) {
		return i
	}
	return v
}

// funcMap is Helm's pkg/engine/funcs.go: sprig without env/expandenv, plus Helm's conversions and required/lookup.
func funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	fromYAML := func(data []byte, v interface{}) error { return yaml.Unmarshal(data, v) }
	f["fromYaml"] = decodeMap(fromYAML)
	f["fromYamlArray"] = decodeList(fromYAML)
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["fromJson"] = decodeMap(json.Unmarshal)
	f["fromJsonArray"] = decodeList(json.Unmarshal)
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warn)
		}
		if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warn)
		}
		return val, nil
	}
	// helm template has no cluster: lookup finds nothing.
	f["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}

// decodeMap is Helm's fromYaml/fromJson: a map, or {"Error": message} when the text does not parse.
func decodeMap(unmarshal func([]byte, interface{}) error) func(string) map[string]interface{} {
	return func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
}

// decodeList is Helm's fromYamlArray/fromJsonArray: a list, or [message] when the text does not parse.
func decodeList(unmarshal func([]byte, interface{}) error) func(string) []interface{} {
	return func(s string) []interface{} {
		a := []interface{}{}
		if err := unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
}

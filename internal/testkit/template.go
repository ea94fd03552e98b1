package testkit

import (
	"os"
	"strings"
	"testing"
	"text/template"
)

// Template fills the text/template at path (a config under testdata/, say)
// with data; a field the data lacks fails the test rather than leaving a
// blank in the config.
func Template(tb testing.TB, path string, data any) string {
	tb.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl, err := template.New(path).Option("missingkey=error").Parse(string(text))
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

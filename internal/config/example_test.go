package config

import (
	"path/filepath"
	"reflect"
	"testing"
)

// The shipped example must load, and must say the same as the defaults.
func TestExampleConfig(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "configs", "ferry.example.yaml"))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	want := mustParse(t, minimal)
	want.NATS.Server.Cluster.Routes = c.NATS.Server.Cluster.Routes // [] versus omitted
	want.Rclone.Secrets = c.Rclone.Secrets
	if !reflect.DeepEqual(c, want) {
		t.Errorf("the example differs from the defaults:\ngot  %+v\nwant %+v", c, want)
	}
}

package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

// Load reads the file at path; see Parse.
func Load(path string) (*Config, error) {
	return load(path, (*Config).Validate)
}

// LoadServer is Load for `ferry nats`: the file may have no route (see
// ValidateServer), so a dedicated NATS node needs no made-up one.
func LoadServer(path string) (*Config, error) {
	return load(path, (*Config).ValidateServer)
}

func load(path string, validate func(*Config) error) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("couldn't read config: %w", err)
	}
	c, err := parse(data, validate)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes one YAML document strictly (unknown keys are errors), fills
// in defaults and validates the result. An empty document is all defaults,
// which Validate rejects for want of a route.
func Parse(data []byte) (*Config, error) {
	return parse(data, (*Config).Validate)
}

func parse(data []byte, validate func(*Config) error) (*Config, error) {
	c, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse config: %w", err)
	}
	if err := validate(c); err != nil {
		return nil, fmt.Errorf("invalid config: %w", err)
	}
	return c, nil
}

// unknownField matches yaml.v3's message for an unknown key, which names a Go
// type rather than anything in the file.
var unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)

// decode is Parse without validation.
func decode(data []byte) (*Config, error) {
	c := base()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for i, e := range te.Errors {
				te.Errors[i] = unknownField.ReplaceAllString(e, `unknown key "$1"`)
			}
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("want a single YAML document, found more")
	}
	c.resolve()
	return c, nil
}

// YAML returns the resolved configuration, every default included. It
// contains secrets: call Redacted first to show it to anyone.
func (c *Config) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("couldn't encode config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("couldn't encode config: %w", err)
	}
	return buf.Bytes(), nil
}

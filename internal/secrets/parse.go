package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/unknwon/goconfig"
)

// Remotes are rclone remotes by name, each with its options ("type", ...).
type Remotes map[string]map[string]string

// Names returns the remotes' names, sorted.
func (rs Remotes) Names() []string { return slices.Sorted(maps.Keys(rs)) }

// Parse reads a secret's value: JSON {"remote": {"type": "s3", ...}} when it
// starts with "{", else rclone config text (INI). Every remote needs a type.
// Errors name remotes and keys, never a value or a line.
func Parse(value string) (Remotes, error) {
	text := strings.TrimSpace(value)
	var rs Remotes
	var err error
	switch {
	case strings.HasPrefix(text, "{"):
		rs, err = parseJSON([]byte(text))
	case strings.HasPrefix(text, "RCLONE_ENCRYPT_V"):
		return nil, errors.New("an encrypted rclone config is not supported: store it in plain text in the secret")
	default:
		rs, err = ParseINI([]byte(text))
	}
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errors.New("it defines no remote")
	}
	for _, name := range rs.Names() {
		if rs[name]["type"] == "" {
			return nil, fmt.Errorf("remote %q has no type", name)
		}
	}
	return rs, nil
}

// ParseINI parses rclone config text with goconfig, rclone's own INI parser,
// so the text means what it would in rclone.conf. Never
// goconfig.LoadFromData: it writes its input to a world-readable temp file.
func ParseINI(data []byte) (Remotes, error) {
	gc, err := goconfig.LoadFromReader(bytes.NewReader(data))
	var re goconfig.ReadError
	if errors.As(err, &re) {
		return nil, errors.New("not an INI file (a line is neither [section], key = value nor a comment)")
	}
	if err != nil {
		return nil, fmt.Errorf("couldn't parse INI: %w", err)
	}
	rs := Remotes{}
	for _, section := range gc.GetSectionList() {
		keys := gc.GetKeyList(section)
		if section == goconfig.DEFAULT_SECTION {
			if len(keys) > 0 {
				return nil, errors.New("keys before the first [remote] section")
			}
			continue
		}
		opts := map[string]string{}
		for _, key := range keys {
			value, err := gc.GetValue(section, key)
			if err != nil {
				return nil, fmt.Errorf("couldn't read [%s] %s: %w", section, key, err)
			}
			opts[key] = value
		}
		rs[section] = opts
	}
	return rs, nil
}

// parseJSON reads {"remote": {"key": value}}; values may be strings,
// numbers or booleans, as rclone options are text.
func parseJSON(data []byte) (Remotes, error) {
	var raw map[string]map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		// The JSON error may quote the input: keep only its kind.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("not valid JSON (syntax error at byte %d)", se.Offset)
		}
		return nil, errors.New(`not JSON of the form {"remote": {"type": "...", "option": "value"}}`)
	}
	rs := Remotes{}
	for name, opts := range raw {
		m := map[string]string{}
		for key, v := range opts {
			switch v := v.(type) {
			case string:
				m[key] = v
			case bool:
				m[key] = strconv.FormatBool(v)
			case float64:
				m[key] = strconv.FormatFloat(v, 'f', -1, 64)
			default:
				return nil, fmt.Errorf("remote %q option %q: want a string, number or boolean", name, key)
			}
		}
		rs[name] = m
	}
	return rs, nil
}

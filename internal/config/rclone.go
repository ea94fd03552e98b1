package config

import (
	"fmt"
	"strings"
	"time"
)

// MinRcloneRefresh keeps a typo ("1ms") from hammering Secrets Manager.
const MinRcloneRefresh = Duration(5 * time.Second)

// migrate reads the deprecated secret_id and secret_region into secrets
// and region, so a config written for an older ferry keeps working, and
// says so in Deprecations. Both spellings at once are left for validate.
func (c *Config) migrate() {
	r := &c.Rclone
	if r.SecretID != "" && len(r.Secrets) == 0 {
		c.deprecated = append(c.deprecated, fmt.Sprintf("rclone.secret_id is deprecated: write rclone.secrets: [%q]", r.SecretID))
		r.Secrets, r.SecretID = []string{r.SecretID}, ""
	}
	if r.SecretRegion != "" && r.Region == "" {
		c.deprecated = append(c.deprecated, fmt.Sprintf("rclone.secret_region is deprecated: write rclone.region: %q", r.SecretRegion))
		r.Region, r.SecretRegion = r.SecretRegion, ""
	}
}

// Deprecations returns a sentence for each deprecated key the file used,
// for the CLI to log at start.
func (c *Config) Deprecations() []string { return c.deprecated }

func (r Rclone) validate(p *problems) {
	if r.SecretID != "" {
		p.addf("rclone.secret_id", "is deprecated and rclone.secrets is set too: keep only rclone.secrets")
	}
	if r.SecretRegion != "" {
		p.addf("rclone.secret_region", "is deprecated and rclone.region is set too: keep only rclone.region")
	}
	seen := map[string]int{}
	for i, id := range r.Secrets {
		key := fmt.Sprintf("rclone.secrets[%d]", i)
		if strings.TrimSpace(id) != id || id == "" {
			p.addf(key, "%q must be a secret's name or ARN, without spaces around it", id)
		}
		if j, dup := seen[id]; dup {
			p.addf(key, "%q is already rclone.secrets[%d]", id, j)
		}
		seen[id] = i
	}
	if len(r.Secrets) > 0 && r.Refresh < MinRcloneRefresh {
		p.addf("rclone.refresh", "must be at least %s, got %s", MinRcloneRefresh, r.Refresh)
	}
	if r.Endpoint != "" && !strings.HasPrefix(r.Endpoint, "https://") && !strings.HasPrefix(r.Endpoint, "http://") {
		p.addf("rclone.endpoint", "%q must be an http:// or https:// URL", r.Endpoint)
	}
}

// Package secrets reads ferry's rclone remotes from AWS Secrets Manager.
//
// It owns:
//
//   - the Secrets Manager client: aws-sdk-go-v2's default credential chain
//     (environment, profile, instance role), an optional region and
//     endpoint (a VPC endpoint, a test server) from ferry's config;
//   - reading each configured secret (GetSecretValue) with errors that name
//     the secret and the cause (AccessDenied, ResourceNotFound, throttled);
//   - parsing a secret's value, rclone config text (INI) or JSON
//     {"remote": {"type": "s3", ...}}, and merging several secrets' remotes,
//     refusing a remote that two secrets define.
//
// What it must never do:
//
//   - log, print, write to disk or put into an error any value of a secret
//     (keys, passwords, whole lines of a config): errors name secrets,
//     remotes and option keys only;
//   - fall back silently: a configured secret that cannot be read is an
//     error, never "no remotes";
//   - take static AWS keys from ferry's config: the default chain only;
//   - import rclone: internal/transfer hands the remotes to rclone.
package secrets

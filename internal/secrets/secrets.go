// Package secrets fetches ferry's rclone config from AWS Secrets Manager.
// The value is returned to the caller and never logged or written to disk.
package secrets

import (
	"context"
	"errors"
	"fmt"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Fetch returns the secret's string (or binary) value. Credentials, region
// and endpoint come from the usual AWS chain (environment, profile, instance
// role); region, when given, wins.
func Fetch(ctx context.Context, secretID, region string) (string, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return "", fmt.Errorf("couldn't load AWS config: %w", err)
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &secretID})
	if err != nil {
		return "", fmt.Errorf("couldn't fetch secret %s: %w", secretID, err)
	}
	switch {
	case out.SecretString != nil && *out.SecretString != "":
		return *out.SecretString, nil
	case len(out.SecretBinary) > 0:
		return string(out.SecretBinary), nil
	}
	return "", errors.New("secret " + secretID + " is empty")
}

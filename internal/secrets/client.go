package secrets

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// Options say where Secrets Manager is. Both may be empty: the SDK then
// takes them from the environment or the profile (AWS_REGION, ...).
type Options struct {
	Region string
	// Endpoint overrides Secrets Manager's URL (a VPC endpoint, a test server).
	Endpoint string
}

// Client reads secrets with the default AWS credential chain.
type Client struct {
	sm *secretsmanager.Client
}

// NewClient loads the AWS config (credentials, region) the way every AWS
// tool does; no key ever comes from ferry's own config.
func NewClient(ctx context.Context, opt Options) (*Client, error) {
	var load []func(*awsconfig.LoadOptions) error
	if opt.Region != "" {
		load = append(load, awsconfig.WithRegion(opt.Region))
	}
	if opt.Endpoint != "" {
		load = append(load, awsconfig.WithBaseEndpoint(opt.Endpoint))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("couldn't load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("couldn't set up Secrets Manager: no region (set rclone.region or AWS_REGION)")
	}
	return &Client{sm: secretsmanager.NewFromConfig(cfg)}, nil
}

// Fetch returns the value of secret id (a name or an ARN): its string, else
// its binary. The error names id and the cause; it never holds the value.
func (c *Client) Fetch(ctx context.Context, id string) (string, error) {
	out, err := c.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return "", fmt.Errorf("couldn't read secret %q: %s: %w", id, cause(err), err)
	}
	switch {
	case out.SecretString != nil && *out.SecretString != "":
		return *out.SecretString, nil
	case len(out.SecretBinary) > 0:
		return string(out.SecretBinary), nil
	}
	return "", fmt.Errorf("couldn't read secret %q: it is empty", id)
}

// cause says in a few words what an operator must fix.
func cause(err error) string {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return "no answer from Secrets Manager"
	}
	switch api.ErrorCode() {
	case "AccessDeniedException":
		return "access denied (AccessDenied: the instance role or profile may not call GetSecretValue on it)"
	case "ResourceNotFoundException":
		return "no such secret (ResourceNotFound: check the name, ARN and region)"
	case "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded":
		return "throttled (Secrets Manager's rate limit, still exceeded after the SDK's retries)"
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException":
		return "AWS credentials refused (" + api.ErrorCode() + ")"
	case "DecryptionFailure":
		return "KMS could not decrypt it (DecryptionFailure)"
	}
	return api.ErrorCode()
}

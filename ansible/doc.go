// Package ansible holds the ferry role and the fleet playbook (site.yml,
// inventory/example); its test runs ansible-playbook --syntax-check and
// ansible-lint --profile production over them. scripts/deploy-test.sh
// runs the playbook on booted containers (make test-deploy).
package ansible

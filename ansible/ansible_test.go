package ansible

import (
	"os/exec"
	"testing"
)

// tool skips when an Ansible tool is missing (scripts/install-test-deps.sh
// installs Debian's ansible and ansible-lint).
func tool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (Debian package %s)", name, map[string]string{
			"ansible-playbook": "ansible", "ansible-lint": "ansible-lint"}[name])
	}
}

func TestPlaybookSyntax(t *testing.T) {
	tool(t, "ansible-playbook")
	out, err := exec.Command("ansible-playbook", "-i", "inventory/example", "--syntax-check", "site.yml").CombinedOutput()
	if err != nil {
		t.Errorf("ansible-playbook --syntax-check: %v\n%s", err, out)
	}
}

func TestLintProduction(t *testing.T) {
	if testing.Short() {
		t.Skip("ansible-lint takes a while")
	}
	tool(t, "ansible-lint")
	cmd := exec.Command("ansible-lint", "--profile", "production", "--offline", "--nocolor", "site.yml", "roles/ferry")
	cmd.Env = append(cmd.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("ansible-lint --profile production: %v\n%s", err, out)
	}
}

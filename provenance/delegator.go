package provenance

import (
	"fmt"
	"slices"
	"strings"
)

// TrustedDelegators are the "bring your own builder" (BYOB) delegator workflows of the SLSA
// GitHub generator (https://github.com/slsa-framework/slsa-github-generator, the
// delegator_generic_slsa3.yml and delegator_lowperms-generic_slsa3.yml reusable workflows),
// given by repository and path without a ref. They are the only workflows trusted by default
// to sign provenance naming another builder (the tool's reusable workflow that called them),
// and only at a release tag (refs/tags/vX.Y.Z): a commit SHA, including one from a fork, or a
// pull request's ref can run anyone's code under the repository's name. The set and the rule
// are slsa-verifier's (defaultBYOBReusableWorkflows, IsValidBuilderTag). A workflow in another
// repository is not a delegator, whatever its file is called.
var TrustedDelegators = []string{
	generatorRepository + "/.github/workflows/delegator_generic_slsa3.yml",
	generatorRepository + "/.github/workflows/delegator_lowperms-generic_slsa3.yml",
}

// generatorRepository is the SLSA GitHub generator's repository.
const generatorRepository = "https://github.com/slsa-framework/slsa-github-generator"

// validateDelegators checks the workflows of VerifyOptions.TrustedDelegatorsUnsafe.
func validateDelegators(workflows []string) error {
	for _, w := range workflows {
		if !isWorkflow(w) || workflowFile(w) == "" || strings.ContainsAny(w, "@ \t\n") {
			return fmt.Errorf("trusted delegator %q is not a GitHub Actions workflow without a ref (https://github.com/OWNER/REPO/.github/workflows/FILE.yml)", w)
		}
	}
	return nil
}

// delegatorTrust says whether the workflow identity (https://github.com/o/r/.github/workflows/
// f.yml@ref, as in a Fulcio certificate) is a delegator trusted to sign for another builder:
// "default" for one of TrustedDelegators at a release tag, "option" for one of extra (at any
// ref), "" for neither.
func delegatorTrust(identity string, extra []string) string {
	base, ref, ok := strings.Cut(identity, "@")
	if !ok || ref == "" {
		return ""
	}
	switch {
	case slices.Contains(TrustedDelegators, base) && releaseTag.MatchString(ref):
		return "default"
	case slices.Contains(extra, base):
		return "option"
	}
	return ""
}

// untrustedDelegatorHint explains, for a workflow named like a delegator that is not
// trusted as one, why it cannot sign for another builder.
func untrustedDelegatorHint(identity string) string {
	base, ref, _ := strings.Cut(identity, "@")
	if slices.Contains(TrustedDelegators, base) {
		return fmt.Sprintf("; the SLSA GitHub generator's delegator is trusted only at a release tag (refs/tags/vX.Y.Z), not at %s, which may hold code from a fork or a pull request", ref)
	}
	if !strings.HasPrefix(workflowFile(identity), "delegator_") {
		return ""
	}
	return fmt.Sprintf("; only the SLSA GitHub generator's delegator workflows (%s) may sign provenance for another builder, and this one is not among them (trust another only knowingly, with --trust-delegator-unsafe)",
		strings.Join(TrustedDelegators, ", "))
}

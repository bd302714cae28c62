/* fuzz: libFuzzer harness, differential: the fast YAML reader against libfyaml's */
#include <stdlib.h>
#include "fuzz_common.h"
#include "../unit/yaml_same.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* What the fast path takes it must read as libfyaml does, having said
 * nothing: same tree, node for node, positions included (yaml_fast.c). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	if (!fuzz_acceptable(data, size))
		return -1;
	for (int multi = 0; multi <= 1; multi++) {
		mf_ctx c;
		mf_ctx_init(&c);
		uint32_t f = mf_source_add(&c, "fuzz.yaml", (const char *)data, size);
		mf_node *fast = f ? mf_yaml_fast(&c, f, multi) : NULL;
		if (fast && c.ndiags)
			__builtin_trap();
		mf_node *full = fast ? mf_yaml_parse_full(&c, f, multi) : NULL;
		if (fast && (!full || !mf_test_yaml_same(fast, full, why, sizeof why))) {
			fprintf(stderr, "fuzz_yaml: %s\n", full ? why : "libfyaml refuses it");
			__builtin_trap();
		}
		mf_ctx_release(&c);
	}
	return 0;
}

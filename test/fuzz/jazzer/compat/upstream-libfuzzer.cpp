// Lets Jazzer.js's addon link against upstream libFuzzer (Debian's
// libclang-rt-*-dev) instead of the patched libFuzzer its build downloads.
// The patched one adds the *_with_pc trace hooks (an explicit fake PC per JS
// comparison) and a death-callback setter under Jazzer's own name. Upstream
// has the same hooks without the PC argument (the caller's address is used:
// value profiling sees one PC for every JS comparison, the table of recent
// compares that feeds the dictionary works as before) and calls
// __sanitizer_set_death_callback, which we define to keep the callback that
// writes the crash-<sha1> file.
#include <cstdint>

#include "shared/libfuzzer.h"

extern "C" {
void __sanitizer_cov_trace_const_cmp8(uint64_t arg1, uint64_t arg2);
void __sanitizer_cov_trace_pc_indir(uintptr_t callee);

void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t, uint64_t arg1, uint64_t arg2) {
  __sanitizer_cov_trace_const_cmp8(arg1, arg2);
}

void __sanitizer_cov_trace_pc_indir_with_pc(void *, uintptr_t callee) {
  __sanitizer_cov_trace_pc_indir(callee);
}

void __sanitizer_set_death_callback(void (*callback)()) {
  libfuzzer::PrintCrashingInput = callback;
}
}

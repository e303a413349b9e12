// Configure-time check that clang can build and link a libFuzzer + ASan + UBSan binary.
#include <cstddef>
#include <cstdint>
extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }

// hitd's executables give tcmalloc its memory from regions marked for
// transparent huge pages (gateway/allocator/huge_pages.cpp). This program is
// linked like them (`hitd_allocator`), so its heap must come from such
// regions, and allocations of every size and alignment must still work.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The VmFlags of the mapping that holds `p`, from /proc/self/smaps.
std::optional<std::string> vm_flags_of(const void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps{"/proc/self/smaps"};
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head{line};
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = lo <= addr && addr < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0)
      return line.substr(8) + " ";
  }
  return std::nullopt;
}

bool kernel_has_huge_pages() { return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled"); }

TEST(HugePages, TheHeapGrowsInRegionsMarkedForHugePages) {
  if (!kernel_has_huge_pages())
    GTEST_SKIP() << "this kernel has no transparent huge pages";
  if (const char* v = std::getenv("HITD_HUGE_PAGES"); v && std::strcmp(v, "0") == 0)
    GTEST_SKIP() << "HITD_HUGE_PAGES=0: turned off";
  // 64 MB of small blocks: more than tcmalloc held at start, so it asks
  // its system allocator for more.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 256 * 1024; ++i) {
    blocks.emplace_back(new char[256]);
    std::memset(blocks.back().get(), i & 0xff, 256);
  }
  auto flags = vm_flags_of(blocks.back().get());
  ASSERT_TRUE(flags.has_value()) << "no mapping holds a heap block";
  EXPECT_NE(flags->find(" hg "), std::string::npos) << "VmFlags:" << *flags;
  for (int i = 0; i < 256 * 1024; i += 4099)
    EXPECT_EQ(blocks[static_cast<size_t>(i)][255], static_cast<char>(i & 0xff));
}

TEST(HugePages, LargeAndAlignedAllocationsWork) {
  // Larger than half a region (the allocator hands those to tcmalloc's
  // own), and aligned up to a megabyte (tcmalloc serves those from its page
  // heap, which the regions feed).
  const size_t big = size_t{48} << 20;
  std::unique_ptr<char[]> large{new char[big]};
  std::memset(large.get(), 7, big);
  EXPECT_EQ(large[big - 1], 7);
  for (size_t align : {size_t{4096}, size_t{1} << 16, size_t{1} << 20}) {
    void* p = std::aligned_alloc(align, align * 3);
    ASSERT_NE(p, nullptr) << align;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u) << align;
    std::memset(p, 1, align * 3);
    std::free(p);
  }
}

} // namespace

// tcmalloc's memory for hitd's own executables, in transparent huge pages.
//
// hitd's engine grows its heap with every HIT it keeps (about 2.8 KB each).
// Each new 4 KiB page costs a page fault, and on this kind of virtual machine
// a fault costs about 12 µs (docs/benchmarks.md, "The heap in huge pages"):
// with one assignment per HIT that was a sixth of a lifecycle's CPU. This
// system allocator gives tcmalloc its memory from 2 MiB-aligned regions
// marked MADV_HUGEPAGE, so the kernel faults in 2 MiB at a time where
// transparent huge pages are enabled ("always" or "madvise", Debian's
// default). Where they are not, the regions are ordinary memory.
//
// Linked only into hitd's executables (the `hitd_allocator` target, with
// tcmalloc); the library never changes an embedding program's allocator.
// HITD_HUGE_PAGES=0 in the environment leaves tcmalloc's own allocator in
// place (for comparisons, or a kernel where huge pages misbehave).
//
// The price: RSS grows in 2 MiB steps, and memory tcmalloc gives back
// (MADV_DONTNEED of free spans) splits a huge page, which the kernel's
// khugepaged may later collapse again, making the given-back pages resident:
// RSS can stay nearer the heap's peak than with 4 KiB pages.
#include <gperftools/malloc_extension.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

constexpr size_t huge_page = size_t{2} << 20;
constexpr size_t region_size = size_t{64} << 20;   // address space reserved at a time

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// tcmalloc calls Alloc under its own lock (system_alloc.cc), one call at a
// time, and it must not allocate from the heap: only mmap here.
class huge_page_allocator final : public SysAllocator {
public:
  explicit huge_page_allocator(SysAllocator* fallback) : fallback_(fallback) {}

  // tcmalloc asks for its page heap (8 KiB-aligned, 1 MiB or more at a
  // time) and for its own metadata (16-byte aligned, any size); a caller's
  // alignment never reaches here. Requests over half a region go to
  // tcmalloc's own allocator.
  void* Alloc(size_t size, size_t* actual_size, size_t alignment) override {
    if (alignment <= huge_page && size <= region_size / 2) {
      if (void* p = from_region(size, alignment)) {
        if (actual_size)
          *actual_size = size;
        return p;
      }
    }
    // Very large requests, or no address space for a region.
    return fallback_->Alloc(size, actual_size, alignment);
  }

private:
  void* from_region(size_t size, size_t alignment) {
    auto at = round_up(next_, alignment ? alignment : 1);
    if (next_ == 0 || at + size > end_) {
      if (!map_region())
        return nullptr;
      at = round_up(next_, alignment ? alignment : 1);
    }
    next_ = at + size;
    return reinterpret_cast<void*>(at);
  }

  // A new region, 2 MiB-aligned: map a huge page more than needed and give
  // back the ends. What is left of the last region is never touched, so it
  // costs address space only.
  bool map_region() {
    const size_t mapped = region_size + huge_page;
    void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
      return false;
    auto base = reinterpret_cast<uintptr_t>(p);
    auto start = round_up(base, huge_page);
    if (start > base)
      munmap(p, start - base);
    if (auto tail = base + mapped - (start + region_size); tail > 0)
      munmap(reinterpret_cast<void*>(start + region_size), tail);
    madvise(reinterpret_cast<void*>(start), region_size, MADV_HUGEPAGE);   // no huge pages: ordinary memory
    next_ = start;
    end_ = start + region_size;
    return true;
  }

  SysAllocator* fallback_;
  uintptr_t next_ = 0;
  uintptr_t end_ = 0;
};

bool huge_pages_wanted() {
  const char* v = std::getenv("HITD_HUGE_PAGES");
  return !v || std::strcmp(v, "0") != 0;
}

// Installed before main, in storage that is never destroyed (tcmalloc may
// grow its heap during other static destructors).
alignas(huge_page_allocator) unsigned char storage[sizeof(huge_page_allocator)];

const bool installed = [] {
  if (!huge_pages_wanted())
    return false;
  // tcmalloc sets up its own system allocator at its first heap growth and
  // would then replace one installed before: make sure that has happened
  // (it has, in any program that allocated before this runs).
  // (volatile: the compiler drops a plain malloc/free pair.)
  void* volatile first = std::malloc(1);
  std::free(first);
  auto* ext = MallocExtension::instance();
  auto* fallback = ext->GetSystemAllocator();
  if (!fallback)
    return false;   // not tcmalloc's, or not set up: leave it alone
  ext->SetSystemAllocator(new (storage) huge_page_allocator{fallback});
  return true;
}();

} // namespace

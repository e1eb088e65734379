// Included inside a host namespace before a kernel header whose structs (and small functions)
// the host shares: the kernel source's types and qualifiers as plain C++. host/kernel_shared_end.h
// takes the macros back. No include guard: each sharing header includes it once.
typedef uint32_t u32;
typedef int32_t i32;
typedef uint64_t u64;
typedef int64_t i64;
#define KERNEL [[maybe_unused]] static inline
#define INLINE_FN static inline
#define GLOBAL
#define ALIGN16 alignas(16)
#define GLOBAL_ID_X() 0u
#define MULHI_U64(a, b) ((u64)(((unsigned __int128)(u64)(a) * (u64)(b)) >> 64))

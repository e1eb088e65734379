// After host/kernel_shared_begin.h and the kernel header it prepared for.
#undef KERNEL
#undef INLINE_FN
#undef GLOBAL
#undef GLOBAL_ID_X
#undef ALIGN16
#undef MULHI_U64

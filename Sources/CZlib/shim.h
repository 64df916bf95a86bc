#include <zlib.h>

/* inflateInit2 is a macro in zlib.h; Swift cannot call macros, so wrap it. */
static inline int czlib_inflate_init_gzip(z_streamp strm) {
    /* 15 window bits + 16: gzip wrapper only (not raw deflate, not zlib). */
    return inflateInit2(strm, 15 + 16);
}

/* Intel ISA-L's inflate (`apt-get install libisal-dev`): igzip, ~5x zlib's speed. */
#include <isa-l/igzip_lib.h>

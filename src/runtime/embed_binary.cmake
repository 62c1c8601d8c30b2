# cmake -DIN=program -DOUT=file.cc -DNAME=kSymbol -P embed_binary.cmake
# Writes `extern const unsigned char NAME[]` and `NAME##Size` holding IN's bytes.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR size "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT}.tmp "// Generated from ${IN} by embed_binary.cmake. Do not edit.\n#include <cstddef>\nnamespace nimbus::runtime {\nextern const unsigned char ${NAME}[] = {\n${bytes}};\nextern const size_t ${NAME}Size = ${size};\n}  // namespace nimbus::runtime\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)

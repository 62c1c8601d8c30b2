# cmake -DOUT=file.cc -DPY=bootstrap.py -DNODE=bootstrap.cjs -P embed.cmake
file(READ ${PY} py)
file(READ ${NODE} node)
file(WRITE ${OUT}.tmp "// Generated from src/runtime/bootstraps by embed.cmake. Do not edit.\n#include \"runtime/bootstraps.h\"\nnamespace nimbus::runtime {\nextern const char kPythonBootstrap[] = R\"nimbus_embed(${py})nimbus_embed\";\nextern const char kNodeBootstrap[] = R\"nimbus_embed(${node})nimbus_embed\";\n}  // namespace nimbus::runtime\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)

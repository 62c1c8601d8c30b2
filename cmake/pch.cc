// The translation unit that builds cmake/pch.h's precompiled header
// (cmake/pch.cmake); it defines nothing.

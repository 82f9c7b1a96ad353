/*
** version.h: luamig's version (sys.version, luamig --version).
*/

#ifndef luamig_version_h
#define luamig_version_h

#define LUAMIG_VERSION "0.1.0"

#endif

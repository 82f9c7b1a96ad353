/*
** sys_files.h: what the two files of luamig.sys share; nothing else
** includes it. sys_files.c lists directories and reads files; sys.c makes
** the module's table, so it needs the functions below, their objects'
** metatables and read_file's buffer. Shared names start with lmsys_ so
** that none clashes with a symbol of a program that links libluamig.a.
*/

#ifndef luamig_sys_files_h
#define luamig_sys_files_h

#include "lua.h"

/* Files up to this size are read in one read() into a buffer kept per Lua
** state (an upvalue of read_file, so separate states share nothing). */
#define READ_BUFFER_SIZE 65536

/* sys_files.c: sys.listdir, sys.read_file (its upvalue: a userdata of
** READ_BUFFER_SIZE bytes), sys.read_files */
int lmsys_listdir (lua_State *L);
int lmsys_read_file (lua_State *L);
int lmsys_read_files (lua_State *L);
void lmsys_files_metatables (lua_State *L);

#endif

/*
** export.h: what the C modules (modules/, and the binding's luamig.driver)
** share with the host: how a module's entry point is exported, and where
** the host leaves the executable's path.
*/

#ifndef luamig_export_h
#define luamig_export_h

/* What luamig.so exports. libluamig.so defines it empty: it exports the
** API of luamig.h alone. */
#if !defined(LM_EXPORT)
#if defined(__GNUC__)
#define LM_EXPORT __attribute__((visibility("default")))
#else
#define LM_EXPORT
#endif
#endif

/* Registry field holding the absolute path of the running executable (a
** string; absent in luamig.so loaded by another program). */
#define LM_EXE_PATH_KEY "luamig.exe_path"

#endif

/*
** checksum.c: the checksum luamig records for each applied revision file
** (module luamig.checksum), so that `verify` can tell when a file changed
** after it was applied.
**
**   sha256(s)    64 lowercase hex digits of SHA-256 of the bytes of s
**   revision(s)  "sha256:" and the hex digest of s normalised
**
** revision() hashes the text as the author wrote it, not as an editor or
** a checkout stored it: a leading UTF-8 byte order mark (EF BB BF) is
** skipped, and each CRLF is hashed as a single LF. Without that, opening a
** file on Windows, or git's core.autocrlf, would report drift in a file
** whose every line is unchanged. A lone CR (not followed by LF) is kept:
** it is not a line end any editor produces by itself, so it may be
** content. The "sha256:" prefix names the algorithm, so that a later one
** can be told apart from the checksums already in version tables.
**
** The normalisation streams: the runs between CRLFs are fed to the hash
** as they are found, and no normalised copy is made (revision files can be
** large, and there can be tens of thousands of them).
*/

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "checksum.h"
#include "sha256.h"

#define PREFIX "sha256:"

static void push_hex (lua_State *L, const char *prefix, const unsigned char *digest) {
  static const char HEX[] = "0123456789abcdef";
  char buf[sizeof PREFIX - 1 + 2 * SHA256_DIGEST_SIZE];
  size_t n = strlen(prefix);
  int i;
  memcpy(buf, prefix, n);
  for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
    buf[n++] = HEX[digest[i] >> 4];
    buf[n++] = HEX[digest[i] & 0xf];
  }
  lua_pushlstring(L, buf, n);
}

static int c_sha256 (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  Sha256 h;
  unsigned char digest[SHA256_DIGEST_SIZE];
  sha256_init(&h);
  sha256_update(&h, s, len);
  sha256_final(&h, digest);
  push_hex(L, "", digest);
  return 1;
}

static int c_revision (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  const char *end = s + len, *run, *cr;
  Sha256 h;
  unsigned char digest[SHA256_DIGEST_SIZE];
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3;
  sha256_init(&h);
  run = s;
  /* Each CR followed by LF ends a run just before it; the LF starts the
  ** next one, so the pair is hashed as the LF alone. */
  while ((cr = memchr(s, '\r', (size_t)(end - s))) != NULL) {
    if (cr + 1 < end && cr[1] == '\n') {
      sha256_update(&h, run, (size_t)(cr - run));
      run = cr + 1;
    }
    s = cr + 1;
  }
  sha256_update(&h, run, (size_t)(end - run));
  sha256_final(&h, digest);
  push_hex(L, PREFIX, digest);
  return 1;
}

static const luaL_Reg checksum_funcs[] = {
  {"sha256", c_sha256},
  {"revision", c_revision},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_checksum (lua_State *L) {
  luaL_newlib(L, checksum_funcs);
  return 1;
}

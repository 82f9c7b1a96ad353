/*
** sha256.h: SHA-256 (FIPS 180-4), incremental, in plain C. luamig hashes
** revision files with it (checksum.c); no crypto library is linked, and
** one hash function does not justify depending on one.
*/

#ifndef luamig_sha256_h
#define luamig_sha256_h

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

typedef struct Sha256 {
  uint32_t h[8];              /* the intermediate hash value */
  uint64_t length;            /* bytes fed so far */
  unsigned char block[64];    /* the partial block not yet compressed */
  size_t used;                /* bytes of `block` in use, 0..63 */
} Sha256;

void sha256_init (Sha256 *s);

/* Feed n bytes; any number of calls with any sizes, including 0. */
void sha256_update (Sha256 *s, const void *data, size_t n);

/* Pad, write the digest to out, and leave s to be reinitialised. */
void sha256_final (Sha256 *s, unsigned char out[SHA256_DIGEST_SIZE]);

#endif

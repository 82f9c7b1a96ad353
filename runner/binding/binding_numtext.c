/*
** binding_numtext.c: numbers as the bulk loaders' text (COPY, LOAD DATA),
** written without snprintf. snprintf("%.17g") costs about 0.4 s per
** million doubles, a fifth of a bulk insert's client time; the same text
** made here with integer arithmetic costs a tenth of that.
**
** The text must stay byte for byte what "%lld" and "%.17g" write (the
** spec compares them over many values, through driver.number_text), so
** this is not a shortest round-trip printer: it computes the 17
** significant digits exactly, rounded half to even as glibc does, in
** 128-bit integers. That is exact for 1e-5 <= |x| < 1e17, where a
** double's value times 10^(16 - its decimal exponent) fits; outside that
** range (rare in data: huge, tiny and subnormal numbers) snprintf does it.
*/

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"

typedef unsigned __int128 u128;

/* Decimal digits of v (no sign) at the end of the 24 bytes before `end`;
** returns where they start. */
static char *digits_before (uint64_t v, char *end) {
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return end;
}


size_t lmb_integer_text (int64_t i, char *out) {
  char tmp[24], *end = tmp + sizeof tmp, *p;
  /* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
  uint64_t mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
  size_t n;
  p = digits_before(mag, end);
  if (i < 0) *--p = '-';
  n = (size_t)(end - p);
  memcpy(out, p, n);
  return n;
}


static const double POW10[] = {
  1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
  1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17
};

/* floor(x * 10^s) of x = m * 2^e, exactly, with the remainder's relation
** to a half for rounding: *half is -1, 0 or 1 (below, at, above half). */
static uint64_t scaled (uint64_t m, int e, int s, int *half) {
  static const uint64_t P10[] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
    1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
    1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL
  };
  u128 num = (u128)m * (s > 19 ? P10[19] : P10[s]), q, r;
  if (s > 19) num *= P10[s - 19];  /* s is at most 21 */
  if (e >= 0) {  /* no fraction */
    *half = -1;
    return (uint64_t)(num << e);
  }
  q = num >> -e;
  r = num - (q << -e);
  /* r against half of 2^-e */
  {
    u128 halfway = (u128)1 << (-e - 1);
    *half = r < halfway ? -1 : r == halfway ? 0 : 1;
  }
  return (uint64_t)q;
}


size_t lmb_double_text (double x, char *out) {
  static const uint64_t LOW = 10000000000000000ULL, HIGH = 100000000000000000ULL;
  char digits[24], *d, *o = out;
  double ax = fabs(x);
  uint64_t m, n;
  int exp2, e, X, half, len, i;
  if (!(ax >= 1e-5 && ax < 1e17))  /* also NaN and the infinities */
    return (size_t)snprintf(out, 32, "%.17g", x);
  /* x = m * 2^e with m an integer below 2^53 */
  m = (uint64_t)ldexp(frexp(ax, &exp2), 53);
  e = exp2 - 53;
  /* X, the decimal exponent, from the powers of ten as doubles: near a
  ** power a neighbour's value can mislead, which the check below fixes */
  for (X = -5; X < 16 && ax >= POW10[X + 6]; X++) {}
  for (;;) {
    n = scaled(m, e, 16 - X, &half);
    if (n >= HIGH && X < 16) X++;
    else if (n < LOW && X > -5) X--;
    else break;
  }
  if (n < LOW || n >= HIGH)  /* just below 1e-5: as outside the range */
    return (size_t)snprintf(out, 32, "%.17g", x);
  if (half > 0 || (half == 0 && (n & 1))) n++;
  if (n == HIGH) {
    n = LOW;
    X++;
  }
  /* the 17 digits, then %g's choice: fixed for -4 <= X < 17, else
  ** scientific; trailing zeros (and a bare point) removed */
  d = digits_before(n, digits + sizeof digits);
  len = 17;
  while (len > 1 && d[len - 1] == '0') len--;
  if (signbit(x)) *o++ = '-';
  if (X >= -4 && X < 17) {
    if (X >= 0) {
      for (i = 0; i <= X; i++) *o++ = i < len ? d[i] : '0';
      if (len > X + 1) {
        *o++ = '.';
        for (i = X + 1; i < len; i++) *o++ = d[i];
      }
    }
    else {
      *o++ = '0';
      *o++ = '.';
      for (i = -1; i > X; i--) *o++ = '0';
      for (i = 0; i < len; i++) *o++ = d[i];
    }
  }
  else {
    *o++ = d[0];
    if (len > 1) {
      *o++ = '.';
      for (i = 1; i < len; i++) *o++ = d[i];
    }
    *o++ = 'e';
    *o++ = X < 0 ? '-' : '+';
    if (X < 0) X = -X;
    if (X >= 100) *o++ = (char)('0' + X / 100);
    *o++ = (char)('0' + X / 10 % 10);
    *o++ = (char)('0' + X % 10);
  }
  return (size_t)(o - out);
}


/* driver.number_text(x): the text the bulk loaders write for the number
** x, for the spec that holds it to snprintf's. */
int lmb_number_text (lua_State *L) {
  char buf[LMB_NUMTEXT_SIZE];
  size_t n;
  luaL_checktype(L, 1, LUA_TNUMBER);
  if (lua_isinteger(L, 1)) n = lmb_integer_text((int64_t)lua_tointeger(L, 1), buf);
  else n = lmb_double_text((double)lua_tonumber(L, 1), buf);
  lua_pushlstring(L, buf, n);
  return 1;
}

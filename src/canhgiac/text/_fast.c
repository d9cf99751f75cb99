/* Optional compiled helpers of canhgiac.text: one pass over a string in C instead of a regular
 * expression tried at every position. Each function answers exactly what the pattern named in
 * its doc string answers (same Unicode character classes as the `re` module: \d is
 * Py_UNICODE_ISDECIMAL, \w is Py_UNICODE_ISALNUM or "_", \s is Py_UNICODE_ISSPACE); the package
 * falls back to those patterns when this module is not built, and tests compare the two.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define READ(i) PyUnicode_READ(kind, data, (i))

/* The `re` classes, with a table for ASCII: Py_UNICODE_ISALNUM makes up to four calls into the
 * Unicode database per character. */
static inline int u_isalnum(Py_UCS4 ch)
{
    if (ch < 128)
        return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z');
    return Py_UNICODE_ISALNUM(ch);
}

static inline int u_isdecimal(Py_UCS4 ch)
{
    if (ch < 128)
        return ch >= '0' && ch <= '9';
    return Py_UNICODE_ISDECIMAL(ch);
}

/* [^\W\d_]: a word character that is neither a digit nor "_". */
static inline int is_letter(Py_UCS4 ch)
{
    if (ch < 128)
        return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
    return Py_UNICODE_ISALNUM(ch) && !Py_UNICODE_ISDECIMAL(ch);
}

static int check_str(PyObject *s)
{
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(first_digit_doc,
"first_digit(s, pos=0) -> int\n\n"
"The index of the first match of \\d in s at or after pos, or -1.");

static PyObject *first_digit(PyObject *self, PyObject *args)
{
    PyObject *s;
    Py_ssize_t pos = 0;
    if (!PyArg_ParseTuple(args, "U|n", &s, &pos))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (pos < 0)
        pos = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *p = data;
        for (Py_ssize_t i = pos; i < n; i++) {
            /* Latin-1 has no decimal digits other than 0-9. */
            if (p[i] >= '0' && p[i] <= '9')
                return PyLong_FromSsize_t(i);
        }
        return PyLong_FromLong(-1);
    }
    for (Py_ssize_t i = pos; i < n; i++)
        if (u_isdecimal(READ(i)))
            return PyLong_FromSsize_t(i);
    return PyLong_FromLong(-1);
}

PyDoc_STRVAR(leet_may_change_doc,
"leet_may_change(s, leet) -> bool\n\n"
"Whether a character of `leet` in s has a letter (str.isalpha) on one side and no digit\n"
"(str.isdigit) on either: the condition under which leetspeak folding replaces it. When\n"
"False, folding leaves s as it is.");

static inline int u_isdigit(Py_UCS4 ch)
{
    if (ch < 128)
        return ch >= '0' && ch <= '9';
    return Py_UNICODE_ISDIGIT(ch);
}

static inline int u_isalpha(Py_UCS4 ch)
{
    if (ch < 128)
        return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
    return Py_UNICODE_ISALPHA(ch);
}

static int leet_check(int kind, const void *data, Py_ssize_t n, const unsigned char *is_leet)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = READ(i);
        if (ch >= 128 || !is_leet[ch])
            continue;
        Py_UCS4 prev = i > 0 ? READ(i - 1) : 0, next = i + 1 < n ? READ(i + 1) : 0;
        if ((i > 0 && u_isdigit(prev)) || (i + 1 < n && u_isdigit(next)))
            continue;
        if ((i > 0 && u_isalpha(prev)) || (i + 1 < n && u_isalpha(next)))
            return 1;
    }
    return 0;
}

static int leet_table(PyObject *leet, unsigned char *is_leet)
{
    if (!PyUnicode_IS_ASCII(leet)) {
        PyErr_SetString(PyExc_ValueError, "leet characters must be ASCII");
        return -1;
    }
    memset(is_leet, 0, 128);
    const Py_UCS1 *l = PyUnicode_1BYTE_DATA(leet);
    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(leet); k++)
        is_leet[l[k]] = 1;
    return 0;
}

static PyObject *leet_may_change(PyObject *self, PyObject *args)
{
    PyObject *s, *leet;
    unsigned char is_leet[128];
    if (!PyArg_ParseTuple(args, "UU", &s, &leet) || leet_table(leet, is_leet) < 0)
        return NULL;
    return PyBool_FromLong(
        leet_check(PyUnicode_KIND(s), PyUnicode_DATA(s), PyUnicode_GET_LENGTH(s), is_leet));
}

PyDoc_STRVAR(spaced_hint_doc,
"spaced_hint(s) -> bool\n\n"
"Whether r\"([ .\\-_])(?<=[^\\W\\d_].)(?<![^\\W_]..)[^\\W\\d_]\\1[^\\W\\d_](?![^\\W_])\" matches\n"
"somewhere in s: a single letter, a separator, a letter, the same separator, a letter.");

static int spaced_check(int kind, const void *data, Py_ssize_t n)
{
    /* i: the first separator; i - 1, i + 1 and i + 3 are letters, i + 2 the same separator. */
    for (Py_ssize_t i = 1; i + 3 < n; i++) {
        Py_UCS4 sep = READ(i);
        if (sep != ' ' && sep != '.' && sep != '-' && sep != '_')
            continue;
        if (READ(i + 2) != sep || !is_letter(READ(i - 1)) || !is_letter(READ(i + 1)) ||
            !is_letter(READ(i + 3)))
            continue;
        if (i >= 2 && u_isalnum(READ(i - 2)))
            continue;
        if (i + 4 < n && u_isalnum(READ(i + 4)))
            continue;
        return 1;
    }
    return 0;
}

static PyObject *spaced_hint(PyObject *self, PyObject *s)
{
    if (check_str(s) < 0)
        return NULL;
    return PyBool_FromLong(
        spaced_check(PyUnicode_KIND(s), PyUnicode_DATA(s), PyUnicode_GET_LENGTH(s)));
}

PyDoc_STRVAR(needs_ws_fix_doc,
"needs_ws_fix(s) -> bool\n\n"
"Whether s starts or ends with a space, holds two spaces in a row, or any whitespace\n"
"character (\\s) other than the space.");

static int ws_check(int kind, const void *data, Py_ssize_t n)
{
    if (n == 0)
        return 0;
    if (READ(0) == ' ' || READ(n - 1) == ' ')
        return 1;
    Py_UCS4 prev = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = READ(i);
        if (ch == ' ') {
            if (prev == ' ')
                return 1;
        }
        else if (Py_UNICODE_ISSPACE(ch))
            return 1;
        prev = ch;
    }
    return 0;
}

static PyObject *needs_ws_fix(PyObject *self, PyObject *s)
{
    if (check_str(s) < 0)
        return NULL;
    return PyBool_FromLong(ws_check(PyUnicode_KIND(s), PyUnicode_DATA(s), PyUnicode_GET_LENGTH(s)));
}

PyDoc_STRVAR(has_word_run_doc,
"has_word_run(s, words, longest, bitmap) -> bool\n\n"
"Whether a maximal run of word characters (\\w: str.isalnum or \"_\") in s is one of `words`\n"
"(a frozenset of ASCII str, none longer than `longest`). `bitmap` (8,192 bytes) has bit\n"
"run_hash(w) set for every word w: runs whose bit is clear are not looked up (run_hash:\n"
"32-bit FNV-1a of the ASCII bytes, low 16 bits). Runs with other characters are skipped.");

/* 1 when a run is one of `words`, 0 when none is, -1 on error. */
static int word_run_check(int kind, const void *data, Py_ssize_t n, PyObject *words,
                          Py_ssize_t longest, const unsigned char *bits)
{
    char buf[64];
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 ch = READ(i);
        if (!(ch == '_' || u_isalnum(ch))) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        uint32_t h = 2166136261u;
        int ascii = 1;
        for (; i < n; i++) {
            ch = READ(i);
            if (!(ch == '_' || u_isalnum(ch)))
                break;
            if (ch >= 128)
                ascii = 0;
            else if (i - start < (Py_ssize_t)sizeof(buf))
                buf[i - start] = (char)ch;
            h = (h ^ (ch & 0xFF)) * 16777619u;
        }
        Py_ssize_t len = i - start;
        if (!ascii || len > longest || len > (Py_ssize_t)sizeof(buf))
            continue;
        h &= 0xFFFF;
        if (!(bits[h >> 3] & (1u << (h & 7))))
            continue;
        PyObject *run = PyUnicode_DecodeASCII(buf, len, NULL);
        if (run == NULL)
            return -1;
        int found = PySet_Contains(words, run);
        Py_DECREF(run);
        if (found != 0)
            return found;
    }
    return 0;
}

static PyObject *has_word_run(PyObject *self, PyObject *args)
{
    PyObject *s, *words;
    Py_ssize_t longest;
    Py_buffer bitmap;
    if (!PyArg_ParseTuple(args, "UO!ny*", &s, &PyFrozenSet_Type, &words, &longest, &bitmap))
        return NULL;
    PyObject *result = NULL;
    if (bitmap.len != 8192)
        PyErr_SetString(PyExc_ValueError, "expected an 8,192-byte bitmap");
    else {
        int found = word_run_check(PyUnicode_KIND(s), PyUnicode_DATA(s), PyUnicode_GET_LENGTH(s),
                                   words, longest, bitmap.buf);
        if (found >= 0)
            result = PyBool_FromLong(found);
    }
    PyBuffer_Release(&bitmap);
    return result;
}

PyDoc_STRVAR(word_steps_doc,
"word_steps(s, leet, words, longest, bitmap) -> bool\n\n"
"leet_may_change(s, leet) or spaced_hint(s) or has_word_run(s, words, longest, bitmap) or\n"
"needs_ws_fix(s): whether any word-level folding step may change s.");

static PyObject *word_steps(PyObject *self, PyObject *args)
{
    PyObject *s, *leet, *words;
    Py_ssize_t longest;
    Py_buffer bitmap;
    unsigned char is_leet[128];
    if (!PyArg_ParseTuple(args, "UUO!ny*", &s, &leet, &PyFrozenSet_Type, &words, &longest,
                          &bitmap))
        return NULL;
    PyObject *result = NULL;
    if (bitmap.len != 8192)
        PyErr_SetString(PyExc_ValueError, "expected an 8,192-byte bitmap");
    else if (leet_table(leet, is_leet) == 0) {
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        Py_ssize_t n = PyUnicode_GET_LENGTH(s);
        int found = leet_check(kind, data, n, is_leet) || spaced_check(kind, data, n) ||
                    ws_check(kind, data, n);
        if (!found)
            found = word_run_check(kind, data, n, words, longest, bitmap.buf);
        if (found >= 0)
            result = PyBool_FromLong(found);
    }
    PyBuffer_Release(&bitmap);
    return result;
}

PyDoc_STRVAR(text_flags_doc,
"text_flags(s, change_bits, astral_change_bits, nfc_safe_bits, toned) -> int\n\n"
"What normalising a non-ASCII message needs, in one pass. Bits of the result:\n"
"1: a character whose bit is set in change_bits (8,192 bytes over the BMP: the characters of\n"
"   _TEXT_HINT) or astral_change_bits (8,192 bytes over U+10000..U+1FFFF);\n"
"2: a character beyond U+1FFFF (not covered by the bitmaps);\n"
"4: a character whose bit is clear in nfc_safe_bits (16,384 bytes over U+0000..U+1FFFF);\n"
"8: _TONE_RE matches: o/O/u/U not after q/Q, then a character of `toned`, then no letter.\n"
"The scan stops at the first bit 1.");

static inline int bit_set(const unsigned char *bits, Py_UCS4 ch)
{
    return (bits[ch >> 3] >> (ch & 7)) & 1;
}

static PyObject *text_flags(PyObject *self, PyObject *args)
{
    PyObject *s, *toned;
    Py_buffer change, astral, safe;
    if (!PyArg_ParseTuple(args, "Uy*y*y*U", &s, &change, &astral, &safe, &toned))
        return NULL;
    PyObject *result = NULL;
    if (change.len != 8192 || astral.len != 8192 || safe.len != 16384) {
        PyErr_SetString(PyExc_ValueError, "bitmaps of 8,192, 8,192 and 16,384 bytes expected");
        goto done;
    }
    const unsigned char *change_bits = change.buf, *astral_bits = astral.buf;
    const unsigned char *safe_bits = safe.buf;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    long flags = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = READ(i);
        if (ch > 0xFFFF) {
            if (ch > 0x1FFFF) {
                flags |= 2 | 4;
                continue;
            }
            if (bit_set(astral_bits, ch - 0x10000)) {
                flags |= 1;
                break;
            }
            if (!bit_set(safe_bits, ch))
                flags |= 4;
            continue;
        }
        if (bit_set(change_bits, ch)) {
            flags |= 1;
            break;
        }
        if (!bit_set(safe_bits, ch))
            flags |= 4;
        if ((ch == 'o' || ch == 'O' || ch == 'u' || ch == 'U') && i + 1 < n && !(flags & 8)) {
            if (i > 0) {
                Py_UCS4 prev = READ(i - 1);
                if (prev == 'q' || prev == 'Q')
                    continue;
            }
            Py_ssize_t found = PyUnicode_FindChar(toned, READ(i + 1), 0,
                                                  PyUnicode_GET_LENGTH(toned), 1);
            if (found == -2)
                goto done;
            if (found >= 0 && !(i + 2 < n && is_letter(READ(i + 2))))
                flags |= 8;
        }
    }
    result = PyLong_FromLong(flags);
done:
    PyBuffer_Release(&change);
    PyBuffer_Release(&astral);
    PyBuffer_Release(&safe);
    return result;
}

PyDoc_STRVAR(digit_scan_doc,
"digit_scan(s, word_ends=None) -> (phone, short, account)\n\n"
"Where the first match of each digit pattern of canhgiac.text.indicators can start, or -1:\n"
"phone: the first match of _DIGIT_RUN (a digit and then 7 characters of [\\d .\\-,]);\n"
"short: the first match of _SHORT_NUM (a run of 4-5 digits, not after [\\d.,], not followed by\n"
"\\w or by [.,] and a digit) -- with word_ends, the first one that also passes\n"
"_may_follow_shortcode_word; account: the first run of digits, not after [\\d.,], that may\n"
"start a match of _ACCOUNT_RE (6 digits or more, or 3-4 followed by [ -] and a digit).");

static inline int is_run_char(Py_UCS4 ch)
{
    return ch == ' ' || ch == '.' || ch == '-' || ch == ',' || u_isdecimal(ch);
}

static PyObject *digit_scan(PyObject *self, PyObject *args)
{
    PyObject *s, *word_ends = NULL;
    if (!PyArg_ParseTuple(args, "U|U", &s, &word_ends))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t phone = -1, shortcode = -1, account = -1;
    Py_ssize_t i = 0;
    while (i < n && (phone < 0 || shortcode < 0 || account < 0)) {
        if (!u_isdecimal(READ(i))) {
            i++;
            continue;
        }
        /* A maximal run of digits: [p, e). */
        Py_ssize_t p = i, e = i;
        while (e < n && u_isdecimal(READ(e)))
            e++;
        if (phone < 0) {
            /* Any digit of the run may start _DIGIT_RUN: the first one with 7 more after it. */
            for (Py_ssize_t d = p; d < e && phone < 0; d++) {
                if (d + 7 >= n)
                    break;
                Py_ssize_t k = 1;
                while (k <= 7 && is_run_char(READ(d + k)))
                    k++;
                if (k > 7)
                    phone = d;
            }
        }
        Py_UCS4 before = p > 0 ? READ(p - 1) : 0;
        int free_before = !(p > 0 && (before == '.' || before == ','));
        Py_ssize_t len = e - p;
        if (shortcode < 0 && free_before && (len == 4 || len == 5)) {
            int ok = 1;
            if (e < n) {
                Py_UCS4 after = READ(e);
                if (u_isalnum(after) || after == '_')
                    ok = 0;
                else if ((after == '.' || after == ',') && e + 1 < n &&
                         u_isdecimal(READ(e + 1)))
                    ok = 0;
            }
            if (ok && word_ends != NULL) {
                /* _may_follow_shortcode_word: in the 20 characters before the run, after
                 * trailing whitespace, at most one ":" and whitespace again, a letter of
                 * `word_ends`. */
                Py_ssize_t lo = p - 20 > 0 ? p - 20 : 0, j = p;
                while (j > lo && Py_UNICODE_ISSPACE(READ(j - 1)))
                    j--;
                if (j > lo && READ(j - 1) == ':') {
                    j--;
                    while (j > lo && Py_UNICODE_ISSPACE(READ(j - 1)))
                        j--;
                }
                ok = 0;
                if (j > lo) {
                    Py_UCS4 last = READ(j - 1);
                    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(word_ends); k++)
                        if (PyUnicode_READ_CHAR(word_ends, k) == last) {
                            ok = 1;
                            break;
                        }
                }
            }
            if (ok)
                shortcode = p;
        }
        if (account < 0 && free_before) {
            if (len >= 6)
                account = p;
            else if ((len == 3 || len == 4) && e + 1 < n) {
                Py_UCS4 after = READ(e);
                if ((after == ' ' || after == '-') && u_isdecimal(READ(e + 1)))
                    account = p;
            }
        }
        i = e;
    }
    return Py_BuildValue("(nnn)", phone, shortcode, account);
}

PyDoc_STRVAR(url_may_match_doc,
"url_may_match(s) -> bool\n\n"
"False only when indicators._URL_HINT cannot match s: no \".\" before a letter, a digit or a\n"
"character beyond ASCII, no \"[\", \"(\" or \"{\" before \".\", \"d\", \"D\" or such a character, and\n"
"no \"//\".");

static PyObject *url_may_match(PyObject *self, PyObject *s)
{
    if (check_str(s) < 0)
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    for (Py_ssize_t i = 0; i + 1 < n; i++) {
        Py_UCS4 ch = READ(i);
        if (ch == '.') {
            Py_UCS4 next = READ(i + 1);
            if (next >= 128 || u_isalnum(next))
                Py_RETURN_TRUE;
        }
        else if (ch == '[' || ch == '(' || ch == '{') {
            Py_UCS4 next = READ(i + 1);
            if (next >= 128 || next == '.' || next == 'd' || next == 'D')
                Py_RETURN_TRUE;
        }
        else if (ch == '/' && READ(i + 1) == '/')
            Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

PyDoc_STRVAR(any_in_bitmap_doc,
"any_in_bitmap(s, bitmap) -> bool\n\n"
"Whether a BMP character of s has its bit set in `bitmap` (8,192 bytes).");

static PyObject *any_in_bitmap(PyObject *self, PyObject *args)
{
    PyObject *s;
    Py_buffer bitmap;
    if (!PyArg_ParseTuple(args, "Uy*", &s, &bitmap))
        return NULL;
    PyObject *result = NULL;
    if (bitmap.len != 8192)
        PyErr_SetString(PyExc_ValueError, "expected an 8,192-byte bitmap");
    else {
        const unsigned char *bits = bitmap.buf;
        Py_ssize_t n = PyUnicode_GET_LENGTH(s);
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        int found = 0;
        for (Py_ssize_t i = 0; i < n && !found; i++) {
            Py_UCS4 ch = READ(i);
            found = ch <= 0xFFFF && bit_set(bits, ch);
        }
        result = PyBool_FromLong(found);
    }
    PyBuffer_Release(&bitmap);
    return result;
}

static PyMethodDef methods[] = {
    {"first_digit", first_digit, METH_VARARGS, first_digit_doc},
    {"leet_may_change", leet_may_change, METH_VARARGS, leet_may_change_doc},
    {"spaced_hint", spaced_hint, METH_O, spaced_hint_doc},
    {"needs_ws_fix", needs_ws_fix, METH_O, needs_ws_fix_doc},
    {"has_word_run", has_word_run, METH_VARARGS, has_word_run_doc},
    {"word_steps", word_steps, METH_VARARGS, word_steps_doc},
    {"text_flags", text_flags, METH_VARARGS, text_flags_doc},
    {"digit_scan", digit_scan, METH_VARARGS, digit_scan_doc},
    {"url_may_match", url_may_match, METH_O, url_may_match_doc},
    {"any_in_bitmap", any_in_bitmap, METH_VARARGS, any_in_bitmap_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fast", "Optional compiled helpers (pure-Python twins exist).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fast(void)
{
    return PyModule_Create(&module);
}

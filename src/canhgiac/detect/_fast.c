/* Optional compiled helpers of canhgiac.detect; every function here has a pure-Python twin that
 * gives the same result (the package works without this module; tests compare the two).
 *
 * word_cells: the (document, column) cells of the text model's cached-word features, i.e. the
 * part of classifier._WordFeatures._transform before the sort: split each text into words at
 * " " and "\0", look every word up in the cache of word ids, and gather the cached columns of
 * its char n-grams and tokens, plus the hashed bigrams of adjacent tokens.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <stddef.h>
#include <math.h>

#define MIX 0x9E3779B97F4A7C15ULL
#define FNV_P 0x100000001B3ULL
#define WORD_SALT 0xD6E8FEB86659FD93ULL

static inline uint64_t finish(uint64_t h)
{
    h ^= h >> 29;
    h *= MIX;
    return h ^ (h >> 32);
}

static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, const char *name)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (view->itemsize != itemsize || view->ndim != 1) {
        PyErr_Format(PyExc_TypeError, "%s: expected a flat array of %zd-byte items", name,
                     itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* The word ids of every word of every text, in order, into ids (grown as needed); the number
 * of words of each text into per_doc. Words missing from `known` are added (once each, in
 * first-seen order) to `missing`, a dict used as an ordered set. */
static int split_and_look_up(PyObject *texts, PyObject *known, Py_ssize_t n_words_known,
                             int64_t **ids, Py_ssize_t *n_ids, Py_ssize_t *per_doc,
                             PyObject *missing)
{
    Py_ssize_t n_docs = PyList_GET_SIZE(texts);
    Py_ssize_t cap = 0, count = 0;
    int64_t *out = NULL;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        PyObject *text = PyList_GET_ITEM(texts, d);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "texts must be str");
            goto fail;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t start = 0, words = 0;
        for (Py_ssize_t i = 0; i <= len; i++) {
            if (i < len) {
                Py_UCS4 ch = PyUnicode_READ(kind, data, i);
                if (ch != ' ' && ch != 0)
                    continue;
            }
            PyObject *word = PyUnicode_Substring(text, start, i);
            if (word == NULL)
                goto fail;
            PyObject *found = PyDict_GetItemWithError(known, word); /* borrowed */
            int64_t id = -1;
            if (found != NULL) {
                id = PyLong_AsLongLong(found);
                if (id == -1 && PyErr_Occurred()) {
                    Py_DECREF(word);
                    goto fail;
                }
                if (id < 0 || id >= n_words_known) {
                    Py_DECREF(word);
                    PyErr_SetString(PyExc_ValueError, "word id out of range");
                    goto fail;
                }
            }
            else if (PyErr_Occurred()) {
                Py_DECREF(word);
                goto fail;
            }
            else if (PyDict_SetItem(missing, word, Py_None) < 0) {
                Py_DECREF(word);
                goto fail;
            }
            Py_DECREF(word);
            if (count == cap) {
                cap = cap ? 2 * cap : 4096;
                int64_t *grown = PyMem_Realloc(out, cap * sizeof(int64_t));
                if (grown == NULL) {
                    PyErr_NoMemory();
                    goto fail;
                }
                out = grown;
            }
            out[count++] = id;
            words++;
            start = i + 1;
        }
        per_doc[d] = words;
    }
    *ids = out;
    *n_ids = count;
    return 0;
fail:
    PyMem_Free(out);
    return -1;
}

PyDoc_STRVAR(word_cells_doc,
"word_cells(texts, known, feat_flat, feat_start, feat_len, tok_flat, tok_start, tok_len, bits,\n"
"           bigrams) -> list[str] | bytearray\n\n"
"The words of `texts` that `known` lacks (distinct, first-seen order) when there are any;\n"
"otherwise the uint32 cells (document << bits | column) of their cached features, as a\n"
"bytearray (any order; duplicates kept).");

static PyObject *word_cells(PyObject *self, PyObject *args)
{
    PyObject *texts, *known;
    PyObject *objs[6];
    int bits, bigrams;
    if (!PyArg_ParseTuple(args, "O!O!OOOOOOip", &PyList_Type, &texts, &PyDict_Type, &known,
                          &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &objs[5], &bits,
                          &bigrams))
        return NULL;
    Py_ssize_t n_docs = PyList_GET_SIZE(texts);
    if (bits < 1 || bits > 31 || (((uint64_t)n_docs + 1) << bits) > (1ULL << 32)) {
        PyErr_SetString(PyExc_OverflowError, "cells do not fit 32 bits");
        return NULL;
    }
    static const Py_ssize_t sizes[6] = {4, 8, 8, 8, 8, 8};
    static const char *names[6] = {"feat_flat", "feat_start", "feat_len",
                                   "tok_flat",  "tok_start",  "tok_len"};
    Py_buffer views[6];
    int got = 0;
    PyObject *result = NULL, *missing = NULL;
    int64_t *ids = NULL;
    Py_ssize_t n_ids = 0;
    Py_ssize_t *per_doc = PyMem_Malloc((n_docs ? n_docs : 1) * sizeof(Py_ssize_t));
    if (per_doc == NULL)
        return PyErr_NoMemory();
    for (; got < 6; got++)
        if (get_buffer(objs[got], &views[got], sizes[got], names[got]) < 0)
            goto done;
    const uint32_t *feat_flat = views[0].buf;
    const int64_t *feat_start = views[1].buf, *feat_len = views[2].buf;
    const uint64_t *tok_flat = views[3].buf;
    const int64_t *tok_start = views[4].buf, *tok_len = views[5].buf;
    Py_ssize_t n_known = views[1].shape[0];
    Py_ssize_t n_feat = views[0].shape[0], n_tok = views[3].shape[0];
    /* Without bigrams the token arrays are not used (and may be empty). */
    if (views[2].shape[0] != n_known ||
        (bigrams && (views[4].shape[0] != n_known || views[5].shape[0] != n_known))) {
        PyErr_SetString(PyExc_ValueError, "word arrays differ in length");
        goto done;
    }
    missing = PyDict_New();
    if (missing == NULL)
        goto done;
    if (split_and_look_up(texts, known, n_known, &ids, &n_ids, per_doc, missing) < 0)
        goto done;
    if (PyDict_GET_SIZE(missing)) {
        result = PyDict_Keys(missing);
        goto done;
    }
    /* Count the cells, checking every range against the arrays. */
    Py_ssize_t total = 0;
    for (Py_ssize_t k = 0; k < n_ids; k++) {
        int64_t w = ids[k];
        if (feat_start[w] < 0 || feat_len[w] < 0 || feat_start[w] + feat_len[w] > n_feat ||
            (bigrams &&
             (tok_start[w] < 0 || tok_len[w] < 0 || tok_start[w] + tok_len[w] > n_tok))) {
            PyErr_SetString(PyExc_ValueError, "word arrays out of range");
            goto done;
        }
        total += feat_len[w];
        if (bigrams)
            total += tok_len[w];
    }
    result = PyByteArray_FromStringAndSize(NULL, total * (Py_ssize_t)sizeof(uint32_t));
    if (result == NULL)
        goto done;
    uint32_t *cells = (uint32_t *)PyByteArray_AS_STRING(result);
    Py_ssize_t out = 0, k = 0;
    const uint64_t mask = (1ULL << bits) - 1;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        const uint32_t base = (uint32_t)((uint64_t)d << bits);
        int have_prev = 0;
        uint64_t prev = 0;
        for (Py_ssize_t j = 0; j < per_doc[d]; j++, k++) {
            int64_t w = ids[k];
            const uint32_t *f = feat_flat + feat_start[w];
            for (int64_t i = 0; i < feat_len[w]; i++)
                cells[out++] = base | f[i];
            if (!bigrams)
                continue;
            const uint64_t *t = tok_flat + tok_start[w];
            for (int64_t i = 0; i < tok_len[w]; i++) {
                if (have_prev) {
                    uint64_t h = (finish(prev) * FNV_P + t[i]) ^ WORD_SALT;
                    cells[out++] = base | (uint32_t)(finish(h) & mask);
                }
                prev = t[i];
                have_prev = 1;
            }
        }
    }
    /* One bigram fewer than tokens in each document that has any. */
    if (out != total) {
        if (PyByteArray_Resize(result, out * (Py_ssize_t)sizeof(uint32_t)) < 0)
            Py_CLEAR(result);
    }
done:
    for (int i = 0; i < got; i++)
        PyBuffer_Release(&views[i]);
    Py_XDECREF(missing);
    PyMem_Free(ids);
    PyMem_Free(per_doc);
    return result;
}

PyDoc_STRVAR(linear_scores_doc,
"linear_scores(cells, n_docs, bits, tf_table, weights, use_idf) -> bytes | None\n\n"
"The text model's decision values (before the intercept) from sorted uint32 cells\n"
"(document << bits | column): for each run of equal cells, its count c gives tf_table[c]\n"
"(log(c) + 1 computed by numpy, or c), times idf[column] when use_idf; each row is divided by\n"
"its l2 norm (when not zero) and dotted with coef, in index order: the operations of\n"
"TfidfTransformer, inplace_csr_row_normalize_l2 and the sparse product, one by one in the same\n"
"order. weights: (idf, coef) of each column side by side (one cache line for both). float64\n"
"bytes, or None when a count is beyond tf_table.");

static PyObject *linear_scores(PyObject *self, PyObject *args)
{
    PyObject *objs[3];
    Py_ssize_t n_docs;
    int bits, use_idf;
    if (!PyArg_ParseTuple(args, "OniOOp", &objs[0], &n_docs, &bits, &objs[1], &objs[2],
                          &use_idf))
        return NULL;
    if (bits < 1 || bits > 31 || n_docs < 0 || (((uint64_t)n_docs + 1) << bits) > (1ULL << 32)) {
        PyErr_SetString(PyExc_OverflowError, "cells do not fit 32 bits");
        return NULL;
    }
    static const Py_ssize_t sizes[3] = {4, 8, 8};
    static const char *names[3] = {"cells", "tf_table", "weights"};
    Py_buffer views[3];
    int got = 0;
    PyObject *result = NULL;
    double *row = NULL;
    int32_t *cols = NULL;
    for (; got < 3; got++)
        if (get_buffer(objs[got], &views[got], sizes[got], names[got]) < 0)
            goto done;
    const uint32_t *cells = views[0].buf;
    const double *tf = views[1].buf, *weights = views[2].buf;
    Py_ssize_t n_cells = views[0].shape[0], n_tf = views[1].shape[0];
    const uint64_t n_features = 1ULL << bits;
    if ((uint64_t)views[2].shape[0] != 2 * n_features) {
        PyErr_SetString(PyExc_ValueError, "weights must hold (idf, coef) for every column");
        goto done;
    }
    for (Py_ssize_t i = 1; i < n_cells; i++)
        if (cells[i] < cells[i - 1]) {
            PyErr_SetString(PyExc_ValueError, "cells must be sorted");
            goto done;
        }
    if (n_cells && (cells[n_cells - 1] >> bits) >= (uint64_t)n_docs) {
        PyErr_SetString(PyExc_ValueError, "a cell beyond the last document");
        goto done;
    }
    row = PyMem_Malloc((n_cells ? n_cells : 1) * sizeof(double));
    cols = PyMem_Malloc((n_cells ? n_cells : 1) * sizeof(int32_t));
    if (row == NULL || cols == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, n_docs * (Py_ssize_t)sizeof(double));
    if (result == NULL)
        goto done;
    double *scores = (double *)PyBytes_AS_STRING(result);
    const uint32_t mask = (uint32_t)(n_features - 1);
    Py_ssize_t i = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        /* The row's values, in column order (cells are sorted). */
        Py_ssize_t nnz = 0;
        while (i < n_cells && (Py_ssize_t)(cells[i] >> bits) == d) {
            uint32_t cell = cells[i];
            Py_ssize_t run = i;
            while (i < n_cells && cells[i] == cell)
                i++;
            Py_ssize_t count = i - run;
            if (count >= n_tf) {
                Py_DECREF(result);
                result = Py_None;
                Py_INCREF(result);
                goto done;
            }
            uint32_t col = cell & mask;
            double v = tf[count];
            if (use_idf)
                v *= weights[2 * (Py_ssize_t)col];
            row[nnz] = v;
            cols[nnz] = (int32_t)col;
            nnz++;
        }
        double sum = 0.0;
        for (Py_ssize_t k = 0; k < nnz; k++)
            sum += row[k] * row[k];
        if (sum != 0.0) {
            sum = sqrt(sum);
            for (Py_ssize_t k = 0; k < nnz; k++)
                row[k] /= sum;
        }
        double score = 0.0;
        for (Py_ssize_t k = 0; k < nnz; k++)
            score += row[k] * weights[2 * (Py_ssize_t)cols[k] + 1];
        scores[d] = score;
    }
done:
    for (int k = 0; k < got; k++)
        PyBuffer_Release(&views[k]);
    PyMem_Free(row);
    PyMem_Free(cols);
    return result;
}

/* --- KeywordMatcher: the keyword pass of RuleSet.match ---------------------------------------
 *
 * An Aho-Corasick automaton over the ASCII keywords (a dense table over the characters that
 * occur in them; every other character leads back to the root), reporting at each position
 * the keywords that end there, longest first, as pyahocorasick does. Each report is checked
 * for word boundaries (str.isalnum on either side) and fed to the rule states exactly as
 * RuleSet.match does in Python; only rules that pass its cheap filters are returned.
 */

/* str.isalnum, with a table for ASCII (Py_UNICODE_ISALNUM makes up to four calls). */
static inline int u_isalnum(Py_UCS4 ch)
{
    if (ch < 128)
        return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z');
    return Py_UNICODE_ISALNUM(ch);
}

typedef struct {
    int32_t rule, slot, word; /* slot: -1 any, -2 unless, >= 0 an all-of group */
    uint8_t star_left, star_right;
} Entry;

typedef struct {
    PyObject_HEAD
    int n_classes, n_states, n_keys, n_rules;
    uint8_t cls[128];
    int32_t *next;      /* n_states * n_classes */
    int32_t *out_key;   /* key ending at the state, or -1 */
    int32_t *dict_link; /* nearest proper suffix state where a key ends, or -1 */
    int32_t *key_len;
    uint8_t *key_starred;
    int32_t *entry_start; /* entries of key k: entries[entry_start[k] .. entry_start[k + 1]] */
    Entry *entries;
    int32_t *n_groups, *min_hits, *slot_base;
    uint8_t *has_regex, *watched;
    int32_t total_slots;
    PyObject *words; /* tuple: word id -> str */
    /* Scratch state for one message (reset after each call). */
    uint8_t *touched, *vetoed;
    int32_t *group_count, *any_count, *order;
    int32_t *slot_start, *slot_end; /* first span of each (rule, slot); -1 when none yet */
    int32_t *any_rule, *any_word, *any_start, *any_end;
    Py_ssize_t any_cap;
} Matcher;

static void matcher_free_arrays(Matcher *m)
{
    PyMem_Free(m->next);
    PyMem_Free(m->out_key);
    PyMem_Free(m->dict_link);
    PyMem_Free(m->key_len);
    PyMem_Free(m->key_starred);
    PyMem_Free(m->entry_start);
    PyMem_Free(m->entries);
    PyMem_Free(m->n_groups);
    PyMem_Free(m->min_hits);
    PyMem_Free(m->slot_base);
    PyMem_Free(m->has_regex);
    PyMem_Free(m->watched);
    PyMem_Free(m->touched);
    PyMem_Free(m->vetoed);
    PyMem_Free(m->group_count);
    PyMem_Free(m->any_count);
    PyMem_Free(m->order);
    PyMem_Free(m->slot_start);
    PyMem_Free(m->slot_end);
    PyMem_Free(m->any_rule);
    PyMem_Free(m->any_word);
    PyMem_Free(m->any_start);
    PyMem_Free(m->any_end);
}

static void matcher_dealloc(Matcher *m)
{
    matcher_free_arrays(m);
    Py_XDECREF(m->words);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static long item_long(PyObject *seq, Py_ssize_t i, int *error)
{
    PyObject *item = PySequence_GetItem(seq, i);
    if (item == NULL) {
        *error = 1;
        return 0;
    }
    long v = PyLong_AsLong(item);
    Py_DECREF(item);
    if (v == -1 && PyErr_Occurred())
        *error = 1;
    return v;
}

#define ALLOC(ptr, count)                                                                        \
    do {                                                                                         \
        size_t count_ = (size_t)(count);                                                         \
        (ptr) = PyMem_Calloc(count_ ? count_ : 1, sizeof(*(ptr)));                               \
        if ((ptr) == NULL) {                                                                     \
            PyErr_NoMemory();                                                                    \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

/* Matcher(keys, entries, words, n_groups, min_hits, has_regex, watched)
 * keys: list of ASCII str; entries: list (one per key) of (starred, [(rule, slot, word,
 * star_left, star_right), ...]); words: tuple of str (the `any` keys of the rules);
 * n_groups, min_hits, has_regex, watched: one int per rule. */
static int matcher_init(Matcher *m, PyObject *args, PyObject *kwds)
{
    PyObject *keys, *entries, *words, *n_groups, *min_hits, *has_regex, *watched;
    if (!PyArg_ParseTuple(args, "O!O!O!OOOO", &PyList_Type, &keys, &PyList_Type, &entries,
                          &PyTuple_Type, &words, &n_groups, &min_hits, &has_regex, &watched))
        return -1;
    if (m->next != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Matcher is already initialised");
        return -1;
    }
    Py_ssize_t n_keys = PyList_GET_SIZE(keys);
    Py_ssize_t n_rules = PySequence_Size(n_groups);
    if (n_rules < 0)
        return -1;
    if (PyList_GET_SIZE(entries) != n_keys || PySequence_Size(min_hits) != n_rules ||
        PySequence_Size(has_regex) != n_rules || PySequence_Size(watched) != n_rules) {
        PyErr_SetString(PyExc_ValueError, "Matcher: lengths differ");
        return -1;
    }
    int error = 0;
    /* Character classes and the number of states (at most the total key length + 1). */
    memset(m->cls, 0, sizeof(m->cls));
    int n_classes = 1;
    Py_ssize_t total_len = 0;
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        if (!PyUnicode_Check(key) || !PyUnicode_IS_ASCII(key) || PyUnicode_GET_LENGTH(key) == 0) {
            PyErr_SetString(PyExc_ValueError, "Matcher: keys must be non-empty ASCII str");
            return -1;
        }
        const Py_UCS1 *p = PyUnicode_1BYTE_DATA(key);
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        total_len += len;
        for (Py_ssize_t i = 0; i < len; i++)
            if (m->cls[p[i]] == 0)
                m->cls[p[i]] = (uint8_t)n_classes++;
    }
    if (total_len + 1 > INT32_MAX / n_classes) {
        PyErr_SetString(PyExc_OverflowError, "Matcher: too many keys");
        return -1;
    }
    m->n_classes = n_classes;
    m->n_keys = (int)n_keys;
    m->n_rules = (int)n_rules;
    Py_ssize_t max_states = total_len + 1;
    ALLOC(m->next, max_states * n_classes);
    ALLOC(m->out_key, max_states);
    ALLOC(m->dict_link, max_states);
    ALLOC(m->key_len, n_keys);
    ALLOC(m->key_starred, n_keys);
    ALLOC(m->entry_start, n_keys + 1);
    for (Py_ssize_t i = 0; i < max_states * n_classes; i++)
        m->next[i] = -1;
    for (Py_ssize_t i = 0; i < max_states; i++)
        m->out_key[i] = m->dict_link[i] = -1;
    /* The trie. */
    int n_states = 1;
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        const Py_UCS1 *p = PyUnicode_1BYTE_DATA(key);
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        int32_t state = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            int32_t *slot = &m->next[(Py_ssize_t)state * n_classes + m->cls[p[i]]];
            if (*slot < 0)
                *slot = n_states++;
            state = *slot;
        }
        if (m->out_key[state] >= 0) {
            PyErr_SetString(PyExc_ValueError, "Matcher: duplicate key");
            goto fail;
        }
        m->out_key[state] = (int32_t)k;
        m->key_len[k] = (int32_t)len;
    }
    m->n_states = n_states;
    /* Number the states breadth first, so that the shallow ones, where the scan spends most of
     * its time, share a few cache lines of the table. */
    {
        int32_t *order = PyMem_Calloc((size_t)n_states, sizeof(int32_t));
        int32_t *new_id = PyMem_Calloc((size_t)n_states, sizeof(int32_t));
        int32_t *next2 = PyMem_Calloc((size_t)max_states * n_classes, sizeof(int32_t));
        int32_t *out2 = PyMem_Calloc((size_t)max_states, sizeof(int32_t));
        if (order == NULL || new_id == NULL || next2 == NULL || out2 == NULL) {
            PyMem_Free(order);
            PyMem_Free(new_id);
            PyMem_Free(next2);
            PyMem_Free(out2);
            PyErr_NoMemory();
            goto fail;
        }
        Py_ssize_t head = 0, tail = 0;
        order[tail++] = 0;
        while (head < tail) {
            int32_t r = order[head++];
            for (int c = 0; c < n_classes; c++) {
                int32_t t = m->next[(Py_ssize_t)r * n_classes + c];
                if (t >= 0)
                    order[tail++] = t;
            }
        }
        for (int32_t k = 0; k < n_states; k++)
            new_id[order[k]] = k;
        for (Py_ssize_t i = 0; i < max_states * n_classes; i++)
            next2[i] = -1;
        for (Py_ssize_t i = 0; i < max_states; i++)
            out2[i] = -1;
        for (int32_t old = 0; old < n_states; old++) {
            int32_t now = new_id[old];
            out2[now] = m->out_key[old];
            for (int c = 0; c < n_classes; c++) {
                int32_t t = m->next[(Py_ssize_t)old * n_classes + c];
                next2[(Py_ssize_t)now * n_classes + c] = t >= 0 ? new_id[t] : -1;
            }
        }
        PyMem_Free(order);
        PyMem_Free(new_id);
        PyMem_Free(m->next);
        PyMem_Free(m->out_key);
        m->next = next2;
        m->out_key = out2;
    }
    /* Failure links by breadth-first search, turning the trie into a full transition table. */
    int32_t *fail_link = NULL, *queue = NULL;
    ALLOC(fail_link, n_states);
    queue = PyMem_Calloc((size_t)n_states, sizeof(int32_t));
    if (queue == NULL) {
        PyMem_Free(fail_link);
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t head = 0, tail = 0;
    for (int c = 0; c < n_classes; c++) {
        int32_t *slot = &m->next[c];
        if (*slot < 0)
            *slot = 0;
        else {
            fail_link[*slot] = 0;
            queue[tail++] = *slot;
        }
    }
    while (head < tail) {
        int32_t r = queue[head++];
        int32_t f = fail_link[r];
        m->dict_link[r] = m->out_key[f] >= 0 ? f : m->dict_link[f];
        for (int c = 0; c < n_classes; c++) {
            int32_t *slot = &m->next[(Py_ssize_t)r * n_classes + c];
            int32_t via_fail = m->next[(Py_ssize_t)f * n_classes + c];
            if (*slot < 0)
                *slot = via_fail;
            else {
                fail_link[*slot] = via_fail;
                queue[tail++] = *slot;
            }
        }
    }
    PyMem_Free(fail_link);
    PyMem_Free(queue);
    /* Entries. */
    Py_ssize_t n_entries = 0;
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *pair = PyList_GET_ITEM(entries, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyList_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "Matcher: entries must be (starred, list)");
            goto fail;
        }
        n_entries += PyList_GET_SIZE(PyTuple_GET_ITEM(pair, 1));
    }
    ALLOC(m->entries, n_entries);
    ALLOC(m->n_groups, n_rules);
    ALLOC(m->min_hits, n_rules);
    ALLOC(m->slot_base, n_rules);
    ALLOC(m->has_regex, n_rules);
    ALLOC(m->watched, n_rules);
    int32_t total_slots = 0;
    for (Py_ssize_t r = 0; r < n_rules; r++) {
        m->n_groups[r] = (int32_t)item_long(n_groups, r, &error);
        m->min_hits[r] = (int32_t)item_long(min_hits, r, &error);
        m->has_regex[r] = item_long(has_regex, r, &error) != 0;
        m->watched[r] = item_long(watched, r, &error) != 0;
        if (error)
            goto fail;
        if (m->n_groups[r] < 0) {
            PyErr_SetString(PyExc_ValueError, "Matcher: negative group count");
            goto fail;
        }
        m->slot_base[r] = total_slots;
        total_slots += m->n_groups[r];
    }
    m->total_slots = total_slots;
    Py_ssize_t n_words = PyTuple_GET_SIZE(words);
    Py_ssize_t e = 0;
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *pair = PyList_GET_ITEM(entries, k);
        int starred = PyObject_IsTrue(PyTuple_GET_ITEM(pair, 0));
        if (starred < 0)
            goto fail;
        m->key_starred[k] = (uint8_t)starred;
        m->entry_start[k] = (int32_t)e;
        PyObject *list = PyTuple_GET_ITEM(pair, 1);
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(list); j++, e++) {
            PyObject *t = PyList_GET_ITEM(list, j);
            Entry *en = &m->entries[e];
            int sl, sr;
            if (!PyArg_ParseTuple(t, "iiipp", &en->rule, &en->slot, &en->word, &sl, &sr))
                goto fail;
            en->star_left = (uint8_t)sl;
            en->star_right = (uint8_t)sr;
            if (en->rule < 0 || en->rule >= n_rules || en->slot < -2 ||
                en->slot >= m->n_groups[en->rule] || en->word < 0 || en->word >= n_words) {
                PyErr_SetString(PyExc_ValueError, "Matcher: entry out of range");
                goto fail;
            }
        }
    }
    m->entry_start[n_keys] = (int32_t)e;
    ALLOC(m->touched, n_rules);
    ALLOC(m->vetoed, n_rules);
    ALLOC(m->group_count, n_rules);
    ALLOC(m->any_count, n_rules);
    ALLOC(m->order, n_rules);
    ALLOC(m->slot_start, total_slots);
    ALLOC(m->slot_end, total_slots);
    for (int32_t i = 0; i < total_slots; i++)
        m->slot_start[i] = -1;
    m->any_cap = 64;
    ALLOC(m->any_rule, m->any_cap);
    ALLOC(m->any_word, m->any_cap);
    ALLOC(m->any_start, m->any_cap);
    ALLOC(m->any_end, m->any_cap);
    Py_INCREF(words);
    m->words = words;
    return 0;
fail:
    matcher_free_arrays(m);
    memset(&m->n_classes, 0, sizeof(Matcher) - offsetof(Matcher, n_classes));
    return -1;
}

static int grow_any(Matcher *m)
{
    Py_ssize_t cap = m->any_cap * 2;
    int32_t **arrays[4] = {&m->any_rule, &m->any_word, &m->any_start, &m->any_end};
    for (int i = 0; i < 4; i++) {
        int32_t *grown = PyMem_Realloc(*arrays[i], (size_t)cap * sizeof(int32_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *arrays[i] = grown;
    }
    m->any_cap = cap;
    return 0;
}

PyDoc_STRVAR(matcher_match_doc,
"match(folded) -> (candidates, watched_touched)\n\n"
"candidates: [(rule, any_items, group_items)] for every rule that a keyword reached and that\n"
"passes RuleSet.match's filters (not vetoed, every group filled, enough `any` words unless it\n"
"has regexes); any_items: ((word, (start, end)), ...) first span of each word in order of\n"
"appearance; group_items: ((slot, (start, end)), ...) by slot. watched_touched: the watched\n"
"rules that any keyword reached.");

static PyObject *matcher_match(Matcher *m, PyObject *folded)
{
    if (m->next == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Matcher is not initialised");
        return NULL;
    }
    if (!PyUnicode_Check(folded)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(folded);
    int kind = PyUnicode_KIND(folded);
    const void *data = PyUnicode_DATA(folded);
    const int n_classes = m->n_classes;
    int32_t n_touched = 0;
    Py_ssize_t n_any = 0;
    int32_t state = 0;
    PyObject *result = NULL, *cands = NULL, *watched = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        int c = ch < 128 ? m->cls[ch] : 0;
        state = m->next[(Py_ssize_t)state * n_classes + c];
        int32_t s = m->out_key[state] >= 0 ? state : m->dict_link[state];
        for (; s >= 0; s = m->dict_link[s]) {
            int32_t k = m->out_key[s];
            Py_ssize_t start = i - m->key_len[k] + 1;
            int left_ok = start == 0 || !u_isalnum(PyUnicode_READ(kind, data, start - 1));
            int right_ok = i >= n - 1 || !u_isalnum(PyUnicode_READ(kind, data, i + 1));
            int whole_word = left_ok && right_ok;
            if (!(whole_word || m->key_starred[k]))
                continue;
            for (int32_t e = m->entry_start[k]; e < m->entry_start[k + 1]; e++) {
                const Entry *en = &m->entries[e];
                if (!(whole_word ||
                      ((left_ok || en->star_left) && (right_ok || en->star_right))))
                    continue;
                int32_t r = en->rule;
                if (!m->touched[r]) {
                    m->touched[r] = 1;
                    m->order[n_touched++] = r;
                }
                if (en->slot == -1) {
                    int seen = 0;
                    for (Py_ssize_t a = 0; a < n_any; a++)
                        if (m->any_rule[a] == r && m->any_word[a] == en->word) {
                            seen = 1;
                            break;
                        }
                    if (seen)
                        continue;
                    if (n_any == m->any_cap && grow_any(m) < 0)
                        goto done;
                    m->any_rule[n_any] = r;
                    m->any_word[n_any] = en->word;
                    m->any_start[n_any] = (int32_t)start;
                    m->any_end[n_any] = (int32_t)(i + 1);
                    n_any++;
                    m->any_count[r]++;
                }
                else if (en->slot == -2)
                    m->vetoed[r] = 1;
                else {
                    int32_t at = m->slot_base[r] + en->slot;
                    if (m->slot_start[at] < 0) {
                        m->slot_start[at] = (int32_t)start;
                        m->slot_end[at] = (int32_t)(i + 1);
                        m->group_count[r]++;
                    }
                }
            }
        }
    }
    cands = PyList_New(0);
    watched = PyList_New(0);
    if (cands == NULL || watched == NULL)
        goto done;
    for (int32_t t = 0; t < n_touched; t++) {
        int32_t r = m->order[t];
        if (m->watched[r]) {
            PyObject *idx = PyLong_FromLong(r);
            if (idx == NULL || PyList_Append(watched, idx) < 0) {
                Py_XDECREF(idx);
                goto done;
            }
            Py_DECREF(idx);
        }
        if (m->vetoed[r] || m->group_count[r] < m->n_groups[r])
            continue;
        if (!m->has_regex[r] && m->any_count[r] < m->min_hits[r])
            continue;
        PyObject *any_items = PyTuple_New(m->any_count[r]);
        PyObject *group_items = PyTuple_New(m->n_groups[r]);
        PyObject *cand = NULL;
        if (any_items == NULL || group_items == NULL)
            goto cand_fail;
        Py_ssize_t j = 0;
        for (Py_ssize_t a = 0; a < n_any; a++) {
            if (m->any_rule[a] != r)
                continue;
            PyObject *word = PyTuple_GET_ITEM(m->words, m->any_word[a]);
            PyObject *item = Py_BuildValue("(O(ii))", word, m->any_start[a], m->any_end[a]);
            if (item == NULL)
                goto cand_fail;
            PyTuple_SET_ITEM(any_items, j++, item);
        }
        for (int32_t g = 0; g < m->n_groups[r]; g++) {
            int32_t at = m->slot_base[r] + g;
            PyObject *item = Py_BuildValue("(i(ii))", g, m->slot_start[at], m->slot_end[at]);
            if (item == NULL)
                goto cand_fail;
            PyTuple_SET_ITEM(group_items, g, item);
        }
        cand = Py_BuildValue("(iNN)", r, any_items, group_items);
        any_items = group_items = NULL;
        if (cand == NULL || PyList_Append(cands, cand) < 0)
            goto cand_fail;
        Py_DECREF(cand);
        continue;
    cand_fail:
        Py_XDECREF(any_items);
        Py_XDECREF(group_items);
        Py_XDECREF(cand);
        goto done;
    }
    result = PyTuple_Pack(2, cands, watched);
done:
    Py_XDECREF(cands);
    Py_XDECREF(watched);
    /* Reset the scratch state of the rules this message touched. */
    for (int32_t t = 0; t < n_touched; t++) {
        int32_t r = m->order[t];
        m->touched[r] = m->vetoed[r] = 0;
        m->group_count[r] = m->any_count[r] = 0;
        for (int32_t g = 0; g < m->n_groups[r]; g++)
            m->slot_start[m->slot_base[r] + g] = -1;
    }
    return result;
}

static PyMethodDef matcher_methods[] = {
    {"match", (PyCFunction)matcher_match, METH_O, matcher_match_doc},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject MatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "canhgiac.detect._fast.Matcher",
    .tp_basicsize = sizeof(Matcher),
    .tp_dealloc = (destructor)matcher_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Aho-Corasick keyword pass of RuleSet.match (see _fast.c).",
    .tp_methods = matcher_methods,
    .tp_init = (initproc)matcher_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef methods[] = {
    {"word_cells", word_cells, METH_VARARGS, word_cells_doc},
    {"linear_scores", linear_scores, METH_VARARGS, linear_scores_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fast", "Optional compiled helpers (pure-Python twins exist).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fast(void)
{
    if (PyType_Ready(&MatcherType) < 0)
        return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL)
        return NULL;
    Py_INCREF(&MatcherType);
    if (PyModule_AddObject(mod, "Matcher", (PyObject *)&MatcherType) < 0) {
        Py_DECREF(&MatcherType);
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}

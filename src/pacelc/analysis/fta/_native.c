/* Compiled inner loops of the fault-tree engine:
 *   - the minimal-solution recursion of `mcs.Zbdd.minsol` (with `without` and `mk`),
 *   - FORCE's iterations (`bulk.force_iterations`),
 *   - the probability of a BDD (`bdd.probability`),
 *   - the listing of a ZBDD's sets as cut sets (`mcs.named_family`),
 *   - the reading of CUDD's nodes into a BDD's tables (`bulk.node_arrays`).
 *
 * Why C: these are tight loops over integers and doubles that Python and numpy pay for per
 * operation (~0.35 us a recursion step in Python, ~3 us a numpy call with ~17 calls per FORCE
 * iteration, ~0.1-0.3 us a node or a set). docs/fta.md has the figures. The module is optional:
 * setup.py builds it where a C compiler is found, and the Python and numpy paths, which stay the
 * reference, run without it (`pacelc.analysis.fta.native`).
 *
 * All give exactly what the Python paths give. minsol creates the same ZBDD nodes in the same
 * order (the same ids, the same unique table); FORCE sums in numpy's order (its pairwise summation
 * of a reduction), so every position, hence every order, is the same to the bit; the probability
 * makes the same operations in the same order (setup.py turns off the contraction of a * b + c
 * into one fused operation, which would round once instead of twice). The tests compare them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* -- integer sequences ------------------------------------------------------------------------ */

/* A list, tuple or buffer of C ints (array('i'), array('l'), array('q')) as a malloc'd int64
 * array; NULL with an exception set on anything else. */
static int64_t *int64_array(PyObject *seq, Py_ssize_t *n_out)
{
    if (PyObject_CheckBuffer(seq)) {
        Py_buffer view;
        if (PyObject_GetBuffer(seq, &view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) == 0) {
            const char *f = view.format ? view.format : "B";
            if (*f == '@' || *f == '=' || *f == '<')
                f++;
            int kind = 0;
            if ((f[0] == 'i' || f[0] == 'l' || f[0] == 'q') && f[1] == '\0')
                kind = (int)view.itemsize;
            if (kind == 4 || kind == 8) {
                Py_ssize_t n = view.len / view.itemsize;
                int64_t *out = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
                if (out == NULL) {
                    PyBuffer_Release(&view);
                    PyErr_NoMemory();
                    return NULL;
                }
                if (kind == 4) {
                    const int32_t *src = view.buf;
                    for (Py_ssize_t i = 0; i < n; i++)
                        out[i] = src[i];
                } else {
                    memcpy(out, view.buf, sizeof(int64_t) * (size_t)n);
                }
                PyBuffer_Release(&view);
                *n_out = n;
                return out;
            }
            PyBuffer_Release(&view);
        } else {
            PyErr_Clear();
        }
    }
    PyObject *fast = PySequence_Fast(seq, "expected a sequence of integers");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    int64_t *out = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (out == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyLong_AsLongLong(items[i]);
        if (out[i] == -1 && PyErr_Occurred()) {
            free(out);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    *n_out = n;
    return out;
}

/* -- an int64 -> int64 hash map (open addressing, keys never negative) ------------------------- */

/* A key and its value side by side: a probe of a table larger than the caches costs one miss, not
 * two (the memo of `without` over a full family reaches millions of entries). */
typedef struct {
    int64_t key; /* -1: empty */
    int64_t value;
} Entry;

typedef struct {
    Entry *slots;
    size_t mask, used;
} Map;

static int map_init(Map *m, size_t capacity)
{
    size_t cap = 1024;
    while (cap < 2 * capacity)
        cap <<= 1;
    m->slots = malloc(sizeof(Entry) * cap);
    if (m->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(m->slots, 0xff, sizeof(Entry) * cap);
    m->mask = cap - 1;
    m->used = 0;
    return 0;
}

static void map_free(Map *m)
{
    free(m->slots);
    m->slots = NULL;
}

static inline size_t map_slot(const Map *m, int64_t key)
{
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 20) & m->mask;
    while (m->slots[i].key != -1 && m->slots[i].key != key)
        i = (i + 1) & m->mask;
    return i;
}

static inline int64_t map_get(const Map *m, int64_t key)
{
    const Entry *e = &m->slots[map_slot(m, key)];
    return e->key == key ? e->value : -1;
}

static int map_put(Map *m, int64_t key, int64_t value)
{
    if (2 * (m->used + 1) > m->mask + 1) {
        Map bigger;
        if (map_init(&bigger, m->mask + 1) < 0)
            return -1;
        for (size_t i = 0; i <= m->mask; i++)
            if (m->slots[i].key != -1)
                bigger.slots[map_slot(&bigger, m->slots[i].key)] = m->slots[i];
        bigger.used = m->used;
        map_free(m);
        *m = bigger;
    }
    Entry *e = &m->slots[map_slot(m, key)];
    if (e->key == -1)
        m->used++;
    e->key = key;
    e->value = value;
    return 0;
}

/* -- a (v, hi, lo) -> node map: the ZBDD nodes this call has looked up or made ------------------ */

typedef struct {
    int64_t v, hi, lo, node; /* node -1: empty; side by side, one cache miss a probe */
} Triple;

typedef struct {
    Triple *slots;
    size_t mask, used;
} Triples;

static int triples_init(Triples *t, size_t capacity)
{
    size_t cap = 1024;
    while (cap < 2 * capacity)
        cap <<= 1;
    t->slots = malloc(sizeof(Triple) * cap);
    if (t->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < cap; i++)
        t->slots[i].node = -1;
    t->mask = cap - 1;
    t->used = 0;
    return 0;
}

static void triples_free(Triples *t)
{
    free(t->slots);
    t->slots = NULL;
}

static inline size_t triples_slot(const Triples *t, int64_t v, int64_t hi, int64_t lo)
{
    uint64_t h = ((uint64_t)v * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)hi * 0xC2B2AE3D27D4EB4Full)
                 ^ ((uint64_t)lo * 0x165667B19E3779F9ull);
    size_t i = (size_t)(h >> 20) & t->mask;
    while (t->slots[i].node != -1 && (t->slots[i].v != v || t->slots[i].hi != hi || t->slots[i].lo != lo))
        i = (i + 1) & t->mask;
    return i;
}

static int triples_put(Triples *t, int64_t v, int64_t hi, int64_t lo, int64_t node)
{
    if (2 * (t->used + 1) > t->mask + 1) {
        Triples bigger;
        if (triples_init(&bigger, t->mask + 1) < 0)
            return -1;
        for (size_t i = 0; i <= t->mask; i++)
            if (t->slots[i].node != -1) {
                const Triple *old = &t->slots[i];
                bigger.slots[triples_slot(&bigger, old->v, old->hi, old->lo)] = *old;
            }
        bigger.used = t->used;
        triples_free(t);
        *t = bigger;
    }
    Triple *e = &t->slots[triples_slot(t, v, hi, lo)];
    if (e->node == -1)
        t->used++;
    *e = (Triple){v, hi, lo, node};
    return 0;
}

/* -- minsol ------------------------------------------------------------------------------------ */

enum { EMPTY = 0, BASE = 1, UNKNOWN = 2, CHECK_SIGNALS_EVERY = 1 << 14 };

typedef struct {
    /* the ZBDD (`mcs.Zbdd`): its lists and unique table, appended to as nodes are made */
    PyObject *var, *hi, *lo, *unique, *check;
    /* the BDD (`bdd.BddGraph`) */
    int64_t *level, *high, *low;
    Py_ssize_t nodes;
    unsigned char *false_everywhere;
    Map memo, wmemo;
    Triples seen; /* the unique table's entries met so far, without a Python tuple per lookup */
    long steps;
} Minsol;

static inline int64_t list_int(PyObject *list, int64_t i)
{
    return PyLong_AsLongLong(PyList_GET_ITEM(list, i));
}

static int tick(Minsol *s)
{
    if (++s->steps % CHECK_SIGNALS_EVERY == 0 && PyErr_CheckSignals() < 0)
        return -1; /* the budget's alarm raised */
    return 0;
}

static int64_t python_mk(Minsol *s, int64_t v, int64_t hi, int64_t lo);

/* `Zbdd.mk`: the node (v, hi, lo), hash-consed in the Python unique table; -1 on error. */
static int64_t mk(Minsol *s, int64_t v, int64_t hi, int64_t lo)
{
    if (hi == EMPTY)
        return lo;
    const Triple *seen = &s->seen.slots[triples_slot(&s->seen, v, hi, lo)];
    if (seen->node != -1)
        return seen->node;
    int64_t r = python_mk(s, v, hi, lo);
    if (r < 0 || triples_put(&s->seen, v, hi, lo, r) < 0)
        return -1;
    return r;
}

/* `mk` through the Python unique table: the node found there, or a new one appended. */
static int64_t python_mk(Minsol *s, int64_t v, int64_t hi, int64_t lo)
{
    PyObject *key = PyTuple_New(3);
    if (key == NULL)
        return -1;
    PyObject *items[3] = {PyLong_FromLongLong(v), PyLong_FromLongLong(hi), PyLong_FromLongLong(lo)};
    for (int j = 0; j < 3; j++) {
        if (items[j] == NULL) {
            for (int k = j + 1; k < 3; k++)
                Py_XDECREF(items[k]);
            Py_DECREF(key);
            return -1;
        }
        PyTuple_SET_ITEM(key, j, items[j]);
    }
    PyObject *found = PyDict_GetItemWithError(s->unique, key);
    if (found != NULL) {
        int64_t r = PyLong_AsLongLong(found);
        Py_DECREF(key);
        return r;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    int64_t r = PyList_GET_SIZE(s->var);
    PyObject *node = PyLong_FromLongLong(r);
    int failed = node == NULL || PyDict_SetItem(s->unique, key, node) < 0 || PyList_Append(s->var, items[0]) < 0
                 || PyList_Append(s->hi, items[1]) < 0 || PyList_Append(s->lo, items[2]) < 0;
    Py_XDECREF(node);
    Py_DECREF(key);
    if (failed)
        return -1;
    if ((r & 0x3FFF) == 0 && s->check != Py_None) { /* every 16k nodes: node and time budget */
        PyObject *arg = PyLong_FromLongLong(r);
        PyObject *res = arg == NULL ? NULL : PyObject_CallOneArg(s->check, arg);
        Py_XDECREF(arg);
        if (res == NULL)
            return -1;
        Py_DECREF(res);
    }
    return r;
}

/* `Zbdd.without`: the sets of f that are not supersets of a set of g; -1 on error. */
static int64_t without(Minsol *s, int64_t f, int64_t g)
{
    if (f == EMPTY || g == EMPTY)
        return f;
    if (g == BASE || f == g)
        return EMPTY;
    if (f == BASE)
        return BASE;
    int64_t key = (f << 32) | g;
    int64_t r = map_get(&s->wmemo, key);
    if (r >= 0)
        return r;
    if (tick(s) < 0)
        return -1;
    int64_t vf = list_int(s->var, f), vg = list_int(s->var, g);
    if (vf < vg) {
        int64_t h = without(s, list_int(s->hi, f), g);
        if (h < 0)
            return -1;
        int64_t l = without(s, list_int(s->lo, f), g);
        if (l < 0)
            return -1;
        r = mk(s, vf, h, l);
    } else if (vf > vg) {
        r = without(s, f, list_int(s->lo, g));
    } else {
        int64_t h = without(s, list_int(s->hi, f), list_int(s->hi, g));
        if (h < 0)
            return -1;
        h = without(s, h, list_int(s->lo, g));
        if (h < 0)
            return -1;
        int64_t l = without(s, list_int(s->lo, f), list_int(s->lo, g));
        if (l < 0)
            return -1;
        r = mk(s, vf, h, l);
    }
    if (r < 0 || map_put(&s->wmemo, key, r) < 0)
        return -1;
    return r;
}

/* The value of BDD node i with every variable false: the end of its low chain, through the
 * complement bits on the way (worked out once per node asked, as in `Zbdd.minsol`). */
static int false_value(Minsol *s, int64_t i)
{
    /* A node's value is its low child's, flipped by the complement bit of the low edge: walk the
     * low chain down to a known value, then walk it again recording each node's. */
    int value = 0;
    int64_t j = i;
    for (; s->false_everywhere[j] == UNKNOWN; j = s->low[j] >> 1)
        value ^= (int)(s->low[j] & 1);
    value ^= s->false_everywhere[j];
    const int result = value;
    for (j = i; s->false_everywhere[j] == UNKNOWN; j = s->low[j] >> 1) {
        s->false_everywhere[j] = (unsigned char)value;
        value ^= (int)(s->low[j] & 1);
    }
    return result;
}

/* Minimal solutions of the BDD edge e: of at most k elements (`rec_limited` in `Zbdd.minsol`), or
 * all of them for k < 0 (`rec`); -1 on error. */
static int64_t solutions(Minsol *s, int64_t e, int64_t k)
{
    if (k == 0) { /* is {} a solution: the function with every variable false */
        int64_t i = e >> 1;
        int value = s->false_everywhere[i];
        if (value == UNKNOWN)
            value = false_value(s, i);
        return (value ^ (int)(e & 1)) ? BASE : EMPTY;
    }
    int64_t key = k < 0 ? e : e * 64 + k;
    int64_t r = map_get(&s->memo, key);
    if (r >= 0)
        return r;
    int64_t i = e >> 1, c = e & 1;
    if (i == 0)
        return c == 0 ? BASE : EMPTY;
    if (tick(s) < 0)
        return -1;
    int64_t z0 = solutions(s, s->low[i] ^ c, k);
    if (z0 < 0)
        return -1;
    int64_t z1 = solutions(s, s->high[i] ^ c, k < 0 ? k : k - 1);
    if (z1 < 0)
        return -1;
    int64_t w = without(s, z1, z0);
    if (w < 0)
        return -1;
    r = mk(s, s->level[i], w, z0);
    if (r < 0 || map_put(&s->memo, key, r) < 0)
        return -1;
    return r;
}

PyDoc_STRVAR(minsol_doc,
             "minsol(level, high, low, root, limit, var, hi, lo, unique, check) -> int\n\n"
             "`mcs.Zbdd.minsol` of the BDD (level, high, low, root) into the ZBDD whose node lists\n"
             "and unique table are given, of at most `limit` elements (-1: no limit). `check` is\n"
             "called with the node count every 16,384 nodes (None: never).");

static PyObject *py_minsol(PyObject *self, PyObject *args)
{
    PyObject *level, *high, *low;
    long long root, limit;
    Minsol s;
    memset(&s, 0, sizeof s);
    if (!PyArg_ParseTuple(args, "OOOLLO!O!O!O!O", &level, &high, &low, &root, &limit, &PyList_Type, &s.var,
                          &PyList_Type, &s.hi, &PyList_Type, &s.lo, &PyDict_Type, &s.unique, &s.check))
        return NULL;
    if (limit > 63) {
        PyErr_SetString(PyExc_ValueError, "order limit must be in 0..63");
        return NULL;
    }
    Py_ssize_t n_high = 0, n_low = 0;
    PyObject *result = NULL;
    s.level = int64_array(level, &s.nodes);
    if (s.level == NULL)
        goto done;
    s.high = int64_array(high, &n_high);
    if (s.high == NULL)
        goto done;
    s.low = int64_array(low, &n_low);
    if (s.low == NULL)
        goto done;
    if (n_high != s.nodes || n_low != s.nodes || s.nodes == 0 || root < 0 || (root >> 1) >= s.nodes) {
        PyErr_SetString(PyExc_ValueError, "inconsistent BDD tables");
        goto done;
    }
    for (Py_ssize_t i = 1; i < s.nodes; i++) /* children before parents: the recursion ends */
        if ((s.high[i] >> 1) >= i || (s.low[i] >> 1) >= i || s.high[i] < 0 || s.low[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "BDD node with a child that is not below it");
            goto done;
        }
    s.false_everywhere = malloc((size_t)s.nodes);
    if (s.false_everywhere == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memset(s.false_everywhere, UNKNOWN, (size_t)s.nodes);
    s.false_everywhere[0] = 1;
    if (map_init(&s.memo, (size_t)s.nodes) < 0 || map_init(&s.wmemo, (size_t)s.nodes) < 0
        || triples_init(&s.seen, (size_t)s.nodes) < 0)
        goto done;
    int64_t r = solutions(&s, root, limit < 0 ? -1 : limit);
    if (r >= 0)
        result = PyLong_FromLongLong(r);
done:
    free(s.level);
    free(s.high);
    free(s.low);
    free(s.false_everywhere);
    map_free(&s.memo);
    map_free(&s.wmemo);
    triples_free(&s.seen);
    return result;
}

/* -- probability ------------------------------------------------------------------------------- */

PyDoc_STRVAR(probability_doc, "probability(level, high, low, root, probs) -> float\n\n"
                              "`bdd.probability`: the same sums in the same order, to the bit.");

static PyObject *py_probability(PyObject *self, PyObject *args)
{
    PyObject *level_obj, *high_obj, *low_obj, *probs_obj;
    long long root;
    if (!PyArg_ParseTuple(args, "OOOLO", &level_obj, &high_obj, &low_obj, &root, &probs_obj))
        return NULL;
    Py_ssize_t n = 0, n_high = 0, n_low = 0, n_probs = 0;
    int64_t *level = NULL, *high = NULL, *low = NULL;
    double *probs = NULL, *pt = NULL, *pf = NULL;
    PyObject *result = NULL;
    PyObject *fast = NULL;
    level = int64_array(level_obj, &n);
    if (level == NULL)
        goto done;
    high = int64_array(high_obj, &n_high);
    if (high == NULL)
        goto done;
    low = int64_array(low_obj, &n_low);
    if (low == NULL)
        goto done;
    fast = PySequence_Fast(probs_obj, "probs: expected a sequence of floats");
    if (fast == NULL)
        goto done;
    n_probs = PySequence_Fast_GET_SIZE(fast);
    probs = malloc(sizeof(double) * (size_t)(n_probs ? n_probs : 1));
    pt = malloc(sizeof(double) * (size_t)(n ? n : 1));
    pf = malloc(sizeof(double) * (size_t)(n ? n : 1));
    if (!probs || !pt || !pf) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t v = 0; v < n_probs; v++) {
        probs[v] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, v));
        if (probs[v] == -1.0 && PyErr_Occurred())
            goto done;
    }
    if (n_high != n || n_low != n || n == 0 || root < 0 || (root >> 1) >= n) {
        PyErr_SetString(PyExc_ValueError, "inconsistent BDD tables");
        goto done;
    }
    pt[0] = 1.0; /* the constant ONE */
    pf[0] = 0.0;
    for (Py_ssize_t i = 1; i < n; i++) {
        int64_t h = high[i], e = low[i];
        if (h < 0 || e < 0 || (h >> 1) >= i || (e >> 1) >= i || level[i] < 0 || level[i] >= n_probs) {
            PyErr_SetString(PyExc_ValueError, "BDD node with a child that is not below it, or no variable");
            goto done;
        }
        double p = probs[level[i]], q = 1.0 - p;
        double ht = h & 1 ? pf[h >> 1] : pt[h >> 1], hf = h & 1 ? pt[h >> 1] : pf[h >> 1];
        double et = e & 1 ? pf[e >> 1] : pt[e >> 1], ef = e & 1 ? pt[e >> 1] : pf[e >> 1];
        pt[i] = p * ht + q * et;
        pf[i] = p * hf + q * ef;
    }
    result = PyFloat_FromDouble(root & 1 ? pf[root >> 1] : pt[root >> 1]);
done:
    Py_XDECREF(fast);
    free(level);
    free(high);
    free(low);
    free(probs);
    free(pt);
    free(pf);
    return result;
}

/* -- listing the sets of a ZBDD ---------------------------------------------------------------- */

typedef struct {
    uint64_t pkey; /* the probability's bits, inverted: ascending keys list the likeliest first */
    uint64_t nkey; /* the ranks packed into one word when they fit, else 0 */
    int64_t set;   /* the set's index: its ranks start at starts[set] */
} SetKey;

typedef struct {
    const int64_t *ranks, *starts;
    int packed;
    Py_ssize_t size;
} SetOrder;

static inline int set_before(const SetOrder *o, const SetKey *a, const SetKey *b)
{
    if (a->pkey != b->pkey)
        return a->pkey < b->pkey;
    if (o->packed)
        return a->nkey < b->nkey;
    const int64_t *x = o->ranks + o->starts[a->set], *y = o->ranks + o->starts[b->set];
    for (Py_ssize_t j = 0; j < o->size; j++)
        if (x[j] != y[j])
            return x[j] < y[j];
    return 0;
}

static void sort_sets(const SetOrder *o, SetKey *keys, SetKey *tmp, Py_ssize_t n)
{
    if (n < 2)
        return;
    if (n <= 16) {
        for (Py_ssize_t i = 1; i < n; i++) {
            SetKey v = keys[i];
            Py_ssize_t j = i;
            while (j > 0 && set_before(o, &v, &keys[j - 1])) {
                keys[j] = keys[j - 1];
                j--;
            }
            keys[j] = v;
        }
        return;
    }
    Py_ssize_t mid = n / 2;
    sort_sets(o, keys, tmp, mid);
    sort_sets(o, keys + mid, tmp, n - mid);
    if (!set_before(o, &keys[mid], &keys[mid - 1]))
        return;
    memcpy(tmp, keys, sizeof(SetKey) * (size_t)mid);
    Py_ssize_t a = 0, b = mid, out = 0;
    while (a < mid && b < n)
        keys[out++] = set_before(o, &keys[b], &tmp[a]) ? keys[b++] : tmp[a++];
    while (a < mid)
        keys[out++] = tmp[a++];
}

/* A growable int64 array. */
typedef struct {
    int64_t *items;
    size_t len, cap;
} Vec;

static int vec_push(Vec *v, int64_t x)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 1024;
        int64_t *items = realloc(v->items, sizeof(int64_t) * cap);
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = x;
    return 0;
}

/* Record the set of the `size` ranks in `path`, sorted. */
static int emit_set(Vec *ranks, Vec *starts, Vec *sizes, const int64_t *path, int64_t size)
{
    if (vec_push(starts, (int64_t)ranks->len) < 0 || vec_push(sizes, size) < 0)
        return -1;
    for (int64_t j = 0; j < size; j++) {
        if (vec_push(ranks, 0) < 0)
            return -1;
        int64_t *set = ranks->items + starts->items[starts->len - 1];
        int64_t x = path[j], k = j;
        while (k > 0 && set[k - 1] > x) {
            set[k] = set[k - 1];
            k--;
        }
        set[k] = x;
    }
    return 0;
}

PyDoc_STRVAR(named_family_doc,
             "named_family(var, hi, lo, f, rank_of_level, names, p_of_rank, row) -> list\n\n"
             "`mcs.named_family`: `row((events, probability))` for every set of the ZBDD node f, sorted\n"
             "by order, probability (descending) and names; `names` sorted, `rank_of_level[v]` the rank\n"
             "of level v's name among them, `p_of_rank` the probabilities by rank. Each probability is\n"
             "the product in name order, as `math.prod` takes it: the same list to the bit.");

static PyObject *py_named_family(PyObject *self, PyObject *args)
{
    PyObject *var, *hi, *lo, *rank_obj, *names, *p_obj;
    PyTypeObject *row;
    long long f;
    if (!PyArg_ParseTuple(args, "O!O!O!LOO!OO!", &PyList_Type, &var, &PyList_Type, &hi, &PyList_Type, &lo, &f,
                          &rank_obj, &PyList_Type, &names, &p_obj, &PyType_Type, &row))
        return NULL;
    if (row != &PyTuple_Type && !PyType_IsSubtype(row, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "row must be tuple or a subclass of it");
        return NULL;
    }
    Py_ssize_t n_levels = 0, n_names = PyList_GET_SIZE(names), n_nodes = PyList_GET_SIZE(var);
    int64_t *rank_of_level = NULL;
    double *p_of_rank = NULL;
    Vec stack = {0}, ranks = {0}, starts = {0}, sizes = {0}, chains = {0};
    int64_t *path = NULL, *chain_at = NULL, *chain_len = NULL;
    double *probs = NULL;
    SetKey *keys = NULL, *tmp = NULL;
    Py_ssize_t *bucket_count = NULL;
    PyObject *out = NULL, *fast = NULL;

    rank_of_level = int64_array(rank_obj, &n_levels);
    if (rank_of_level == NULL)
        goto fail;
    fast = PySequence_Fast(p_obj, "p_of_rank: expected a sequence of floats");
    if (fast == NULL)
        goto fail;
    if (PySequence_Fast_GET_SIZE(fast) != n_names || PyList_GET_SIZE(hi) != n_nodes
        || PyList_GET_SIZE(lo) != n_nodes || f < 0 || f >= n_nodes) {
        PyErr_SetString(PyExc_ValueError, "inconsistent ZBDD or name tables");
        goto fail;
    }
    p_of_rank = malloc(sizeof(double) * (size_t)(n_names ? n_names : 1));
    path = malloc(sizeof(int64_t) * (size_t)(n_levels + 1));
    if (p_of_rank == NULL || path == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t r = 0; r < n_names; r++) {
        p_of_rank[r] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, r));
        if (p_of_rank[r] == -1.0 && PyErr_Occurred())
            goto fail;
    }
    for (Py_ssize_t v = 0; v < n_levels; v++)
        if (rank_of_level[v] < 0 || rank_of_level[v] >= n_names) {
            PyErr_SetString(PyExc_ValueError, "rank_of_level: rank out of range");
            goto fail;
        }

    /* Every set, depth first: the stack holds (node, depth, rank of the event at depth - 1). A
     * node's low chain is walked once: the (high child, rank) pairs along it and whether it ends
     * in {{}} are kept, for the many paths that reach the node (`bulk.named_family` does the same). */
    chain_at = malloc(sizeof(int64_t) * (size_t)n_nodes);
    chain_len = malloc(sizeof(int64_t) * (size_t)n_nodes);
    if (chain_at == NULL || chain_len == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t u = 0; u < n_nodes; u++)
        chain_at[u] = -1;
    if (vec_push(&stack, f) < 0 || vec_push(&stack, 0) < 0 || vec_push(&stack, -1) < 0)
        goto fail;
    long steps = 0;
    while (stack.len) {
        int64_t rank_here = stack.items[--stack.len], depth = stack.items[--stack.len];
        int64_t u = stack.items[--stack.len];
        if (depth > 0)
            path[depth - 1] = rank_here;
        if (++steps % CHECK_SIGNALS_EVERY == 0 && PyErr_CheckSignals() < 0)
            goto fail;
        if (chain_at[u] < 0) { /* pairs (high child, rank), then 1 if the chain ends in {{}} */
            chain_at[u] = (int64_t)chains.len;
            int64_t w = u;
            while (w > BASE) {
                int64_t v = list_int(var, w), h = list_int(hi, w);
                if (v < 0 || v >= n_levels || h < 0 || h >= n_nodes) {
                    PyErr_SetString(PyExc_ValueError, "ZBDD node out of range");
                    goto fail;
                }
                if (h != EMPTY && (vec_push(&chains, h) < 0 || vec_push(&chains, rank_of_level[v]) < 0))
                    goto fail;
                w = list_int(lo, w);
                if (w < 0 || w >= n_nodes) {
                    PyErr_SetString(PyExc_ValueError, "ZBDD node out of range");
                    goto fail;
                }
            }
            chain_len[u] = ((int64_t)chains.len - chain_at[u]) / 2;
            if (vec_push(&chains, w == BASE) < 0)
                goto fail;
        }
        const int64_t at_chain = chain_at[u], len = chain_len[u];
        if (len && depth >= n_levels) {
            PyErr_SetString(PyExc_ValueError, "ZBDD deeper than its variables");
            goto fail;
        }
        for (int64_t c = 0; c < len; c++) {
            int64_t h = chains.items[at_chain + 2 * c], r = chains.items[at_chain + 2 * c + 1];
            if (h == BASE) { /* one more event completes a set */
                path[depth] = r;
                if (emit_set(&ranks, &starts, &sizes, path, depth + 1) < 0)
                    goto fail;
            } else if (vec_push(&stack, h) < 0 || vec_push(&stack, depth + 1) < 0 || vec_push(&stack, r) < 0) {
                goto fail;
            }
        }
        if (chains.items[at_chain + 2 * len] && emit_set(&ranks, &starts, &sizes, path, depth) < 0)
            goto fail;
    }

    /* Sort by order, then probability (descending), then names. */
    Py_ssize_t n_sets = (Py_ssize_t)starts.len, longest = 0;
    for (Py_ssize_t i = 0; i < n_sets; i++)
        if (sizes.items[i] > longest)
            longest = sizes.items[i];
    bucket_count = calloc((size_t)longest + 2, sizeof(Py_ssize_t));
    probs = malloc(sizeof(double) * (size_t)(n_sets ? n_sets : 1));
    keys = malloc(sizeof(SetKey) * (size_t)(n_sets ? n_sets : 1));
    tmp = malloc(sizeof(SetKey) * (size_t)(n_sets ? n_sets : 1));
    if (bucket_count == NULL || probs == NULL || keys == NULL || tmp == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    int bits = 1;
    while (((Py_ssize_t)1 << bits) <= n_names)
        bits++;
    for (Py_ssize_t i = 0; i < n_sets; i++)
        bucket_count[sizes.items[i] + 1]++;
    for (Py_ssize_t s = 1; s <= longest + 1; s++)
        bucket_count[s] += bucket_count[s - 1]; /* bucket s starts at bucket_count[s] */
    for (Py_ssize_t i = 0; i < n_sets; i++) {
        const int64_t *r = ranks.items + starts.items[i];
        Py_ssize_t size = sizes.items[i];
        double p = 1.0; /* math.prod(..., start=1.0): 1.0 * p0 is p0, then left to right */
        for (Py_ssize_t j = 0; j < size; j++)
            p *= p_of_rank[r[j]];
        probs[i] = p;
        uint64_t pbits;
        memcpy(&pbits, &p, sizeof pbits);
        uint64_t packed = 0;
        if ((Py_ssize_t)bits * size <= 64)
            for (Py_ssize_t j = 0; j < size; j++)
                packed = packed << bits | (uint64_t)r[j];
        SetKey *k = &keys[bucket_count[size]++];
        k->pkey = ~pbits; /* probabilities are >= 0: their bits grow with them */
        k->nkey = packed;
        k->set = i;
    }
    out = PyList_New(n_sets);
    if (out == NULL)
        goto fail;
    Py_ssize_t at = 0;
    for (Py_ssize_t size = 0; size <= longest; size++) {
        Py_ssize_t end = bucket_count[size]; /* advanced past the bucket above */
        SetOrder o = {ranks.items, starts.items, (Py_ssize_t)bits * size <= 64, size};
        sort_sets(&o, keys + at, tmp, end - at);
        for (; at < end; at++) {
            int64_t i = keys[at].set;
            const int64_t *r = ranks.items + starts.items[i];
            PyObject *events = PyTuple_New(size);
            PyObject *p = events == NULL ? NULL : PyFloat_FromDouble(probs[i]);
            PyObject *item = p == NULL ? NULL : (row == &PyTuple_Type ? PyTuple_New(2) : row->tp_alloc(row, 2));
            if (item == NULL) {
                Py_XDECREF(events);
                Py_XDECREF(p);
                goto fail;
            }
            for (Py_ssize_t j = 0; j < size; j++) {
                PyObject *name = PyList_GET_ITEM(names, r[j]);
                Py_INCREF(name);
                PyTuple_SET_ITEM(events, j, name);
            }
            PyTuple_SET_ITEM(item, 0, events);
            PyTuple_SET_ITEM(item, 1, p);
            /* A row holds names and a float: it cannot be part of a reference cycle, so the cyclic
             * collector need not track it. Otherwise the first collection after an analysis walks
             * every row (8.5 ms for edfpa14q's 112,102), and each full collection after it again:
             * the collector untracks plain tuples of atoms itself, never their subclasses. */
            PyObject_GC_UnTrack(events);
            if (PyObject_IS_GC(item) && PyObject_GC_IsTracked(item))
                PyObject_GC_UnTrack(item);
            PyList_SET_ITEM(out, at, item);
        }
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    Py_XDECREF(fast);
    free(rank_of_level);
    free(p_of_rank);
    free(path);
    free(stack.items);
    free(chains.items);
    free(chain_at);
    free(chain_len);
    free(ranks.items);
    free(starts.items);
    free(sizes.items);
    free(probs);
    free(keys);
    free(tmp);
    free(bucket_count);
    return out;
}

/* -- reading CUDD's nodes --------------------------------------------------------------------- */

PyDoc_STRVAR(node_arrays_doc,
             "node_arrays(table, one, root, nvars) -> (typecode, level, high, low, root_edge) | None\n\n"
             "`bulk.node_arrays`: the diagram whose `DdNode *` are listed in `table` (children first,\n"
             "CUDD's cuddNodeArray), as the bytes of three `array(typecode)` columns; None where what\n"
             "the nodes hold is not a well-formed diagram of `nvars` variables (the caller falls back).");

/* CUDD 3.0's DdNode on 64 bits (as `bulk.NODE_BYTES` reads it): index and ref (4 bytes each), next,
 * then the then- and else-children (8 bytes each). */
typedef struct {
    uint32_t index, ref;
    uint64_t next, then_child, else_child;
} CuddNode;

/* The number given to the node at `address`, or -1 if it is not (yet) one of the table's. */
static inline int64_t node_number(const Map *number, const int32_t *dense, size_t span, uint64_t lowest,
                                  uint64_t address)
{
    if (dense != NULL) {
        if (address < lowest || (address - lowest) % 32 || (address - lowest) / 32 >= span)
            return -1;
        int32_t id = dense[(address - lowest) / 32];
        return id > 0 ? id : -1;
    }
    return address > (uint64_t)INT64_MAX ? -1 : map_get(number, (int64_t)address);
}

static PyObject *py_node_arrays(PyObject *self, PyObject *args)
{
    Py_buffer table;
    unsigned long long one, root;
    long long nvars;
    if (!PyArg_ParseTuple(args, "y*KKL", &table, &one, &root, &nvars))
        return NULL;
    PyObject *result = NULL;
    Map number = {0};
    int32_t *level = NULL, *high = NULL, *low = NULL, *dense = NULL;
    size_t span = 0;
    const uint64_t *nodes = table.buf;
    Py_ssize_t count = table.len / 8, n = 0;
    int ok = table.len % 8 == 0 && nvars >= 0 && nvars < INT32_MAX;
    size_t cells = (size_t)(count ? count : 1);
    if (ok) {
        level = malloc(sizeof(int32_t) * cells);
        high = malloc(sizeof(int32_t) * cells);
        low = malloc(sizeof(int32_t) * cells);
        if (!level || !high || !low || map_init(&number, 16) < 0) {
            if (!PyErr_Occurred())
                PyErr_NoMemory();
            goto done;
        }
        level[0] = (int32_t)nvars; /* our node 0: the constant ONE */
        high[0] = low[0] = 0;
        n = 1;
    }
    /* A child's number: through a dense table indexed by (address - lowest) / 32 where the nodes
     * are dense enough (CUDD allocates them in blocks; 10x faster than hashing the addresses on
     * large diagrams), else through a hash map. */
    uint64_t lowest = UINT64_MAX, highest = 0;
    for (Py_ssize_t i = 0; ok && i < count; i++)
        if (nodes[i] != one) {
            if (nodes[i] < lowest)
                lowest = nodes[i];
            if (nodes[i] > highest)
                highest = nodes[i];
        }
    if (ok && highest >= lowest && (highest - lowest) / 32 < 64 * (uint64_t)count + (1u << 20)) {
        span = (size_t)((highest - lowest) / 32) + 1;
        dense = calloc(span, sizeof(int32_t)); /* 0: not a node of the table */
        if (dense == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    Py_ssize_t ones = 0;
    for (Py_ssize_t i = 0; ok && i < count; i++) {
        uint64_t address = nodes[i];
        if (address == one) {
            ones++;
            continue;
        }
        if (count >= INT32_MAX / 2 || address == 0 || address > (uint64_t)INT64_MAX) {
            ok = 0;
            break;
        }
        const CuddNode *node = (const CuddNode *)(uintptr_t)address;
        uint64_t t = node->then_child, e = node->else_child & ~(uint64_t)1;
        int64_t ids[2];
        const uint64_t children[2] = {t, e};
        if (node->index >= nvars || (t & 1)) { /* CUDD never complements a then-edge */
            ok = 0;
            break;
        }
        for (int c = 0; c < 2; c++) {
            /* Every child is the constant or a node of the table listed before its parent, at a
             * deeper level (the constant sits below every variable). */
            ids[c] = children[c] == one ? 0 : node_number(&number, dense, span, lowest, children[c]);
            if (ids[c] < 0 || (ids[c] > 0 && level[ids[c]] <= (int64_t)node->index)) {
                ok = 0;
                break;
            }
        }
        if (!ok)
            break;
        if (dense != NULL) {
            if ((address - lowest) % 32) { /* not aligned as CUDD aligns its nodes */
                ok = 0;
                break;
            }
            dense[(address - lowest) / 32] = (int32_t)n;
        } else if (map_put(&number, (int64_t)address, n) < 0) {
            goto done;
        }
        level[n] = (int32_t)node->index;
        high[n] = (int32_t)(2 * ids[0]);
        low[n] = (int32_t)(2 * ids[1] + (int64_t)(node->else_child & 1));
        n++;
    }
    if (ok && ones == 1) {
        int64_t root_id = (root & ~1ull) == one ? 0 : node_number(&number, dense, span, lowest, root & ~1ull);
        if (root_id >= 0 && (root_id > 0 || n == 1)) /* a constant function: the table holds the constant only */
            result = Py_BuildValue("(sy#y#y#L)", "i", (const char *)level, (Py_ssize_t)(4 * n), (const char *)high,
                                   (Py_ssize_t)(4 * n), (const char *)low, (Py_ssize_t)(4 * n),
                                   (long long)(2 * root_id + (int64_t)(root & 1)));
        else
            result = Py_NewRef(Py_None);
    } else if (!PyErr_Occurred()) {
        result = Py_NewRef(Py_None);
    }
done:
    PyBuffer_Release(&table);
    map_free(&number);
    free(dense);
    free(level);
    free(high);
    free(low);
    return result;
}

/* -- FORCE ------------------------------------------------------------------------------------- */

/* numpy's pairwise summation (`pairwise_sum` in its loops) of a contiguous float64 array. */
static double pairwise_sum(const double *a, Py_ssize_t n)
{
    if (n < 8) {
        double res = -0.0;
        for (Py_ssize_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        Py_ssize_t i;
        for (int j = 0; j < 8; j++)
            r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/* The sum `np.add.reduceat` gives for one segment of n >= 1 values: the first, plus the pairwise
 * sum of the rest. */
static inline double segment_sum(const double *a, Py_ssize_t n)
{
    return n > 1 ? a[0] + pairwise_sum(a + 1, n - 1) : a[0];
}

typedef struct {
    Py_ssize_t n, n_nets, n_members, n_with, n_their;
    int64_t *members, *starts, *sizes;      /* nets: members[starts[j] .. starts[j] + sizes[j]) */
    int64_t *with_nets, *their_nets, *net_starts, *degree; /* the nets of each node on a net */
    double *gathered, *centres, *spans;
} Nets;

/* Each net's centre (mean position of its members) and the total span (`measure`). */
static double measure(Nets *x, const double *p)
{
    for (Py_ssize_t i = 0; i < x->n_members; i++)
        x->gathered[i] = p[x->members[i]];
    for (Py_ssize_t j = 0; j < x->n_nets; j++) {
        const double *seg = x->gathered + x->starts[j];
        Py_ssize_t len = x->sizes[j];
        double lo = seg[0], hi = seg[0];
        for (Py_ssize_t i = 1; i < len; i++) {
            if (seg[i] < lo)
                lo = seg[i];
            if (seg[i] > hi)
                hi = seg[i];
        }
        x->centres[j] = segment_sum(seg, len) / (double)len;
        x->spans[j] = hi - lo;
    }
    return x->n_nets ? segment_sum(x->spans, x->n_nets) : 0.0;
}

/* Stable sort of idx[0..n) by key[idx[i]] (merge sort; a run already in order is not merged). */
static void merge_sort(int64_t *idx, int64_t *tmp, const double *key, Py_ssize_t n)
{
    if (n < 2)
        return;
    if (n <= 16) { /* insertion sort: stable, fast on short runs */
        for (Py_ssize_t i = 1; i < n; i++) {
            int64_t v = idx[i];
            double kv = key[v];
            Py_ssize_t j = i;
            while (j > 0 && key[idx[j - 1]] > kv) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = v;
        }
        return;
    }
    Py_ssize_t mid = n / 2;
    merge_sort(idx, tmp, key, mid);
    merge_sort(idx + mid, tmp, key, n - mid);
    if (key[idx[mid - 1]] <= key[idx[mid]])
        return;
    memcpy(tmp, idx, sizeof(int64_t) * (size_t)mid);
    Py_ssize_t a = 0, b = mid, out = 0;
    while (a < mid && b < n)
        idx[out++] = key[idx[b]] < key[tmp[a]] ? idx[b++] : tmp[a++];
    while (a < mid)
        idx[out++] = tmp[a++];
}

/* The flattened nets of a list of lists (`nets` or `node_nets`). */
static int flatten(PyObject *lists, int64_t **flat, int64_t **starts, int64_t **sizes, Py_ssize_t *n_lists,
                   Py_ssize_t *n_flat)
{
    PyObject *outer = PySequence_Fast(lists, "expected a list of lists");
    if (outer == NULL)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(outer), total = 0;
    PyObject **items = PySequence_Fast_ITEMS(outer);
    for (Py_ssize_t j = 0; j < n; j++) {
        Py_ssize_t len = PyObject_Length(items[j]);
        if (len < 0) {
            Py_DECREF(outer);
            return -1;
        }
        total += len;
    }
    *flat = malloc(sizeof(int64_t) * (size_t)(total ? total : 1));
    *starts = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    *sizes = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (*flat == NULL || *starts == NULL || *sizes == NULL) {
        Py_DECREF(outer);
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t j = 0; j < n; j++) {
        Py_ssize_t len = 0;
        int64_t *values = int64_array(items[j], &len);
        if (values == NULL) {
            Py_DECREF(outer);
            return -1;
        }
        (*starts)[j] = at;
        (*sizes)[j] = len;
        memcpy(*flat + at, values, sizeof(int64_t) * (size_t)len);
        at += len;
        free(values);
    }
    Py_DECREF(outer);
    *n_lists = n;
    *n_flat = total;
    return 0;
}

PyDoc_STRVAR(force_doc, "force_iterations(pos, rank, nets, node_nets, iterations, patience) -> list[float]\n\n"
                        "`bulk.force_iterations`, to the bit.");

static PyObject *py_force_iterations(PyObject *self, PyObject *args)
{
    PyObject *pos_obj, *rank_obj, *nets_obj, *node_nets_obj;
    long long iterations, patience;
    if (!PyArg_ParseTuple(args, "OOOOLL", &pos_obj, &rank_obj, &nets_obj, &node_nets_obj, &iterations, &patience))
        return NULL;
    Nets x;
    memset(&x, 0, sizeof x);
    int64_t *node_flat = NULL, *node_starts = NULL, *node_sizes = NULL, *order = NULL, *idx = NULL, *tmp = NULL;
    double *p = NULL, *best = NULL, *target = NULL, *key = NULL;
    PyObject *result = NULL;
    Py_ssize_t n_rank = 0, n_nodes = 0, n_node_flat = 0;

    PyObject *pos = PySequence_Fast(pos_obj, "pos: expected a sequence of floats");
    if (pos == NULL)
        return NULL;
    x.n = PySequence_Fast_GET_SIZE(pos);
    Py_ssize_t n = x.n;
    size_t cells = (size_t)(n ? n : 1);
    p = malloc(sizeof(double) * cells);
    best = malloc(sizeof(double) * cells);
    target = malloc(sizeof(double) * cells);
    key = malloc(sizeof(double) * cells);
    idx = malloc(sizeof(int64_t) * cells);
    tmp = malloc(sizeof(int64_t) * cells);
    if (!p || !best || !target || !key || !idx || !tmp) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        p[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(pos, i));
        if (p[i] == -1.0 && PyErr_Occurred())
            goto done;
    }
    order = int64_array(rank_obj, &n_rank);
    if (order == NULL)
        goto done;
    if (flatten(nets_obj, &x.members, &x.starts, &x.sizes, &x.n_nets, &x.n_members) < 0)
        goto done;
    if (flatten(node_nets_obj, &node_flat, &node_starts, &node_sizes, &n_nodes, &n_node_flat) < 0)
        goto done;
    if (n_rank != n || n_nodes != n) {
        PyErr_SetString(PyExc_ValueError, "pos, rank and node_nets must have one entry per node");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (order[i] < 0 || order[i] >= n) {
            PyErr_SetString(PyExc_ValueError, "rank: node out of range");
            goto done;
        }
    for (Py_ssize_t j = 0; j < x.n_nets; j++)
        if (x.sizes[j] == 0) {
            PyErr_SetString(PyExc_ValueError, "a net without members");
            goto done;
        }
    for (Py_ssize_t i = 0; i < x.n_members; i++)
        if (x.members[i] < 0 || x.members[i] >= n) {
            PyErr_SetString(PyExc_ValueError, "nets: node out of range");
            goto done;
        }
    for (Py_ssize_t i = 0; i < n_node_flat; i++)
        if (node_flat[i] < 0 || node_flat[i] >= x.n_nets) {
            PyErr_SetString(PyExc_ValueError, "node_nets: net out of range");
            goto done;
        }
    x.gathered = malloc(sizeof(double) * (size_t)(x.n_members > n_node_flat ? x.n_members : n_node_flat) + 8);
    x.centres = malloc(sizeof(double) * (size_t)(x.n_nets ? x.n_nets : 1));
    x.spans = malloc(sizeof(double) * (size_t)(x.n_nets ? x.n_nets : 1));
    if (!x.gathered || !x.centres || !x.spans) {
        PyErr_NoMemory();
        goto done;
    }

    double best_span = measure(&x, p);
    memcpy(best, p, sizeof(double) * (size_t)n);
    long long stale = 0;
    for (long long it = 0; it < iterations; it++) {
        /* Each node to the mean of its nets' centres (a node on no net stays where it is). */
        for (Py_ssize_t m = 0; m < n; m++) {
            Py_ssize_t deg = node_sizes[m];
            if (deg == 0) {
                target[m] = p[m];
                continue;
            }
            const int64_t *js = node_flat + node_starts[m];
            for (Py_ssize_t i = 0; i < deg; i++)
                x.gathered[i] = x.centres[js[i]];
            target[m] = segment_sum(x.gathered, deg) / (double)deg;
        }
        /* Re-rank by target, ties in the current ranking (a stable sort of the current order). */
        for (Py_ssize_t r = 0; r < n; r++) {
            idx[r] = r;
            key[r] = target[order[r]];
        }
        merge_sort(idx, tmp, key, n);
        for (Py_ssize_t r = 0; r < n; r++)
            tmp[r] = order[idx[r]];
        memcpy(order, tmp, sizeof(int64_t) * (size_t)n);
        for (Py_ssize_t r = 0; r < n; r++)
            p[order[r]] = (double)r;
        double span = measure(&x, p);
        if (span < best_span) {
            memcpy(best, p, sizeof(double) * (size_t)n);
            best_span = span;
            stale = 0;
        } else if (++stale >= patience) {
            break;
        }
    }
    result = PyList_New(n);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PyFloat_FromDouble(best[i]);
        if (v == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, v);
    }
done:
    Py_DECREF(pos);
    free(p);
    free(best);
    free(target);
    free(key);
    free(idx);
    free(tmp);
    free(order);
    free(node_flat);
    free(node_starts);
    free(node_sizes);
    free(x.members);
    free(x.starts);
    free(x.sizes);
    free(x.gathered);
    free(x.centres);
    free(x.spans);
    return result;
}

static PyMethodDef methods[] = {
    {"minsol", py_minsol, METH_VARARGS, minsol_doc},
    {"force_iterations", py_force_iterations, METH_VARARGS, force_doc},
    {"probability", py_probability, METH_VARARGS, probability_doc},
    {"named_family", py_named_family, METH_VARARGS, named_family_doc},
    {"node_arrays", py_node_arrays, METH_VARARGS, node_arrays_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "Compiled inner loops of pacelc's fault-tree engine (optional).", -1, methods,
};

PyMODINIT_FUNC PyInit__native(void)
{
    return PyModule_Create(&module);
}

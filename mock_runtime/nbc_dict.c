/*
 * nbc_dict.c - dict: an insertion-ordered hash table with CPython's
 * compact layout, its views and its methods.
 *
 * entries[] holds (hash, key, value) in insertion order; index[] is an
 * open-addressed table (linear probing over a mixed hash) of entry numbers,
 * -1 for a free slot and -2 for a slot whose entry was popped.  A popped
 * entry stays in entries[] with key type NBC_T__COUNT until the next
 * resize compacts the array, so iteration order is always insertion order.
 * The index has at least 3/2 as many slots as entries[] has room for, so a
 * probe always ends on a free slot.  Key hashes are stored, and str hashes
 * are cached in the str, so a lookup of a str key hashes nothing twice.
 *
 * Views (keys(), values(), items()) hold the dict itself: they are live.
 */
#include <stdlib.h>
#include <string.h>

#include "nbc_internal.h"

#define DICT_MIN_INDEX 8

static inline uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDULL;
	h ^= h >> 29;
	return h;
}

/* Slow part of key equality, out of line so lookup's loop stays lean. */
static __attribute__((noinline)) bool
keys_equal_slow(nbc_value a, nbc_value b)
{
	if (a.t == b.t) {
		if (a.t == NBC_T_STR)
			return nbc_str_eq(NBC_STR(a), NBC_STR(b));
		if (a.t == NBC_T_INT)
			return a.u.i == b.u.i;
	}
	return nbc_equal(a, b);
}

static inline bool
keys_equal(nbc_value a, nbc_value b)
{
	if (a.t == b.t && NBC_IS_HEAP(a) && a.u.o == b.u.o)
		return true;
	return keys_equal_slow(a, b);
}

/* nbc_hash, with the common cases (a str whose hash is cached, an int)
 * inline. */
static inline int
key_hash(nbc_vm *vm, nbc_value key, uint64_t *h)
{
	if (key.t == NBC_T_STR && NBC_STR(key)->hash != 0) {
		*h = NBC_STR(key)->hash;
		return 0;
	}
	return nbc_hash(vm, key, h);
}

/* Entry number of key, or -1; *slot: its index slot, or where to put it. */
static inline int64_t
lookup(const nbc_dict *d, nbc_value key, uint64_t hash, size_t *slot)
{
	size_t mask, i, tomb = SIZE_MAX;

	if (d->nindex == 0)
		return -1;
	mask = d->nindex - 1;
	for (i = mix(hash) & mask;; i = (i + 1) & mask) {
		int32_t ix = d->index[i];
		const nbc_dict_entry *e;

		if (ix == -1) {
			*slot = tomb != SIZE_MAX ? tomb : i;
			return -1;
		}
		if (ix == -2) {
			if (tomb == SIZE_MAX)
				tomb = i;
			continue;
		}
		e = &d->entries[ix];
		if (e->hash == hash && keys_equal(e->key, key)) {
			*slot = i;
			return ix;
		}
	}
}

/* Rebuild with room for at least need live entries. */
static int
resize(nbc_vm *vm, nbc_dict *d, size_t need)
{
	size_t nindex = DICT_MIN_INDEX, cap, i, j, oldbytes, newbytes;
	nbc_dict_entry *ne;
	int32_t *ni;

	while (nindex * 2 / 3 < need) {
		if (nindex > ((size_t)1 << 30))
			return nbc_raise_resource(vm, "memory");
		nindex *= 2;
	}
	cap = nindex * 2 / 3;
	oldbytes = d->cap * sizeof(nbc_dict_entry) + d->nindex * sizeof(int32_t);
	newbytes = cap * sizeof(nbc_dict_entry) + nindex * sizeof(int32_t);
	if (nbc_charge(vm, (ptrdiff_t)newbytes) < 0)
		return -1;
	ne = malloc(cap * sizeof(*ne));
	ni = malloc(nindex * sizeof(*ni));
	if (ne == NULL || ni == NULL) {
		free(ne);
		free(ni);
		nbc_charge(vm, -(ptrdiff_t)newbytes);
		return nbc_raise_resource(vm, "memory");
	}
	memset(ni, 0xFF, nindex * sizeof(*ni));
	for (i = 0, j = 0; i < d->nentries; i++) {
		size_t s;

		if (d->entries[i].key.t == NBC_T__COUNT)
			continue;
		ne[j] = d->entries[i];
		for (s = mix(ne[j].hash) & (nindex - 1); ni[s] != -1;
		    s = (s + 1) & (nindex - 1))
			;
		ni[s] = (int32_t)j;
		j++;
	}
	free(d->entries);
	free(d->index);
	nbc_charge(vm, -(ptrdiff_t)oldbytes);
	d->entries = ne;
	d->index = ni;
	d->cap = cap;
	d->nindex = nindex;
	d->nentries = j;
	d->n = j;
	return 0;
}

int
nbc_dict_new(nbc_vm *vm, nbc_value *out)
{
	nbc_dict *d = nbc_alloc(vm, NBC_T_DICT, sizeof(*d));

	if (d == NULL)
		return -1;
	d->n = d->nentries = d->cap = d->nindex = 0;
	d->index = NULL;
	d->entries = NULL;
	*out = nbc_obj_value(NBC_T_DICT, &d->h);
	return 0;
}

/* Add key (absent, hashing to hash) with val; slot: where lookup said to
 * put it. */
static __attribute__((noinline)) int
dict_add(nbc_vm *vm, nbc_dict *d, nbc_value key, uint64_t hash,
    nbc_value val, size_t slot)
{
	if (d->nentries >= d->cap) {
		if (resize(vm, d, d->n + 1 > d->n * 2 ? d->n + 1 : d->n * 2) < 0)
			return -1;
		lookup(d, key, hash, &slot);
	}
	d->entries[d->nentries].hash = hash;
	d->entries[d->nentries].key = key;
	d->entries[d->nentries].value = val;
	d->index[slot] = (int32_t)d->nentries;
	d->nentries++;
	d->n++;
	return 0;
}

static inline int
dict_insert(nbc_vm *vm, nbc_dict *d, nbc_value key, uint64_t hash,
    nbc_value val)
{
	size_t slot = 0;
	int64_t ix = lookup(d, key, hash, &slot);

	if (ix >= 0) {
		d->entries[ix].value = val;
		return 0;
	}
	return dict_add(vm, d, key, hash, val, slot);
}

int
nbc_dict_set(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value val)
{
	uint64_t h;

	if (key_hash(vm, key, &h) < 0)
		return -1;
	return dict_insert(vm, NBC_DICT(dict), key, h, val);
}

static inline int
dict_get(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value *val)
{
	nbc_dict *d = NBC_DICT(dict);
	uint64_t h;
	size_t slot;
	int64_t ix;

	if (key_hash(vm, key, &h) < 0)
		return -1;
	ix = lookup(d, key, h, &slot);
	if (ix < 0)
		return 0;
	*val = d->entries[ix].value;
	return 1;
}

int
nbc_dict_get(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value *val)
{
	return dict_get(vm, dict, key, val);
}

int64_t
nbc_dict_find_str(const nbc_dict *d, nbc_value key)
{
	size_t slot;

	return lookup(d, key, nbc_str_hash(NBC_STR(key)), &slot);
}

int
nbc_dict_get_or(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value dflt,
    nbc_value *out)
{
	int r = dict_get(vm, dict, key, out);

	if (r == 0)
		*out = dflt;
	return r < 0 ? -1 : 0;
}

int
nbc_dict_pop(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value *val)
{
	nbc_dict *d = NBC_DICT(dict);
	uint64_t h;
	size_t slot;
	int64_t ix;

	if (nbc_hash(vm, key, &h) < 0)
		return -1;
	ix = lookup(d, key, h, &slot);
	if (ix < 0)
		return 0;
	*val = d->entries[ix].value;
	d->entries[ix].key.t = NBC_T__COUNT;
	d->entries[ix].key.u.i = 0;
	d->entries[ix].value = nbc_none();
	d->index[slot] = -2;
	d->n--;
	return 1;
}

nbc_dict_entry *
nbc_dict_next(const nbc_dict *d, int64_t *pos)
{
	while (*pos >= 0 && (size_t)*pos < d->nentries) {
		nbc_dict_entry *e = &d->entries[(*pos)++];

		if (e->key.t != NBC_T__COUNT)
			return e;
	}
	return NULL;
}

int
nbc_dict_copy(nbc_vm *vm, nbc_value dict, nbc_value *out)
{
	nbc_dict *d = NBC_DICT(dict), *c;
	nbc_dict_entry *e;
	int64_t pos = 0;

	if (nbc_dict_new(vm, out) < 0)
		return -1;
	c = NBC_DICT(*out);
	if (d->n > 0 && resize(vm, c, d->n) < 0)
		return -1;
	while ((e = nbc_dict_next(d, &pos)) != NULL)
		if (dict_insert(vm, c, e->key, e->hash, e->value) < 0)
			return -1;
	return 0;
}

int
nbc_build_dict(nbc_vm *vm, const nbc_value *items, size_t npairs,
    nbc_value *out)
{
	size_t i;

	if (nbc_dict_new(vm, out) < 0)
		return -1;
	if (npairs > 0 && resize(vm, NBC_DICT(*out), npairs) < 0)
		return -1;
	for (i = 0; i < npairs; i++)
		if (nbc_dict_set(vm, *out, items[2 * i], items[2 * i + 1]) < 0)
			return -1;
	return 0;
}

int
nbc_dict_update(nbc_vm *vm, nbc_value dict, nbc_value other)
{
	nbc_value it, item, pair;
	size_t k = 0;
	int r;

	if (other.t == NBC_T_DICT) {
		nbc_dict *o = NBC_DICT(other);
		nbc_dict_entry *e;
		int64_t pos = 0;

		while ((e = nbc_dict_next(o, &pos)) != NULL)
			if (dict_insert(vm, NBC_DICT(dict), e->key, e->hash,
			    e->value) < 0)
				return -1;
		return 0;
	}
	if (nbc_iter(vm, other, &it) < 0)
		return -1;
	while ((r = nbc_iter_next(vm, it, &item)) == 1) {
		nbc_list *l;

		if (nbc_gas(vm, 1) < 0)
			return -1;
		if (item.t != NBC_T_LIST && item.t != NBC_T_TUPLE &&
		    item.t != NBC_T_STR && item.t != NBC_T_RANGE &&
		    item.t != NBC_T_DICT && item.t != NBC_T_ITER &&
		    item.t != NBC_T_DICTVIEW)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "cannot convert dictionary update sequence element "
			    "#%zu to a sequence", k);
		if (nbc_to_list(vm, item, &pair) < 0)
			return -1;
		l = NBC_LIST(pair);
		if (l->n != 2)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "dictionary update sequence element #%zu has length "
			    "%zu; 2 is required", k, l->n);
		if (nbc_dict_set(vm, dict, l->items[0], l->items[1]) < 0)
			return -1;
		k++;
	}
	return r;
}

static int
new_view(nbc_vm *vm, nbc_value dict, uint32_t kind, nbc_value *out)
{
	nbc_dictview *v = nbc_alloc(vm, NBC_T_DICTVIEW, sizeof(*v));

	if (v == NULL)
		return -1;
	v->kind = kind;
	v->dict = dict;
	*out = nbc_obj_value(NBC_T_DICTVIEW, &v->h);
	return 0;
}

int
nbc_dict_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out)
{
	int r;

	switch (id) {
	case NBC_M_GET:
		r = dict_get(vm, self, args[0], out);
		if (r == 0)
			*out = n > 1 ? args[1] : nbc_none();
		return r < 0 ? -1 : 0;
	case NBC_M_KEYS:
		return new_view(vm, self, NBC_IT_DICT_KEYS, out);
	case NBC_M_VALUES:
		return new_view(vm, self, NBC_IT_DICT_VALUES, out);
	case NBC_M_ITEMS:
		return new_view(vm, self, NBC_IT_DICT_ITEMS, out);
	case NBC_M_POP:
		r = nbc_dict_pop(vm, self, args[0], out);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (n < 2)
				return nbc_key_error(vm, args[0]);
			*out = args[1];
		}
		return 0;
	case NBC_M_UPDATE:
		*out = nbc_none();
		return nbc_dict_update(vm, self, args[0]);
	case NBC_M_COPY:
		return nbc_dict_copy(vm, self, out);
	default:
		return 1;
	}
}

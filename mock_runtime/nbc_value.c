/*
 * nbc_value.c - the call heap: allocation against the memory budget, the
 * mark-and-sweep collector, frozen module constants (freeze and thaw),
 * exceptions, the call state's set-up and tear-down, and the random
 * generator of random.*.
 *
 * Every object of a call is in its heap; vm->bytes counts each
 * object's header and payload (list item arrays, dict tables) against
 * vm->limits.memory.  A request that would pass the budget fails at once
 * with ResourceError before anything is allocated, so '[0] * 10**12'
 * costs nothing.  Small objects (up to SMALL_MAX bytes: most strs, tuples
 * and iterators) come from per-call 64 KiB chunks (2 MiB huge-page chunks
 * once a call has used 1 MiB of them) carved into 8-byte size
 * classes, with a free list per class: the collector recycles them without
 * malloc/free by walking the chunks in address order, and the end of a
 * call frees whole chunks (keeping a few huge ones for the next calls:
 * the chunk pool).  Lists, dicts and larger objects are malloc'd
 * one by one.
 *
 * The collector runs only when the interpreter asks (nbc_gc_maybe at safe
 * points).  Roots: the live value stack, the per-call constant cache and
 * the extra roots.  Marking uses an explicit stack, so deep nesting cannot
 * overflow the C stack; frozen objects are neither marked nor swept (they
 * can never point into a call heap).  After a collection the threshold is
 * set to twice the live size, but never past half of the room left in the
 * budget, so a program near its limit is collected before it fails.
 *
 * Frozen values are deep copies made with plain malloc, linked on the
 * owner's list and never written again: str and tuple hashes are computed
 * while freezing, so calls on many threads only read them.  Containers
 * that hold something mutable carry NBC_OF_HASMUT, which makes
 * nbc_value_needs_thaw O(1).  Freeze and thaw keep sharing and cycles
 * (a pointer map from original to copy).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "nbc_internal.h"

/* ---- errors ------------------------------------------------------------ */

int
nbc_raise(nbc_vm *vm, enum nbc_exc exc, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (vm->raised)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	vm->raised = true;
	vm->exc = exc;
	vm->exc_msg = msg;
	return -1;
}

int
nbc_raise_resource(nbc_vm *vm, const char *budget)
{
	return nbc_raise(vm, NBC_EXC_RESOURCE_ERROR, "%s budget exhausted",
	    budget);
}

int
nbc_need_cap(nbc_vm *vm, uint32_t cap)
{
	const char *name = "?";

	if (vm->host != NULL && (vm->host->caps & cap) == cap)
		return 0;
#define NBC_X_CAPNAME(id, str) if (cap == NBC_CAP_##id) name = str;
	NBC_CAPS(NBC_X_CAPNAME)
#undef NBC_X_CAPNAME
	return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR,
	    "capability '%s' not granted", name);
}

/* ---- heap -------------------------------------------------------------- */

#define SMALL_MAX 256
#define GRAIN 8              /* size classes: multiples of 8 bytes */
#define NCLASS (SMALL_MAX / GRAIN + 1)
#define CHUNK_SIZE (64u << 10)
#define HUGE_CHUNK (2u << 20)        /* one transparent huge page */
#define HUGE_AFTER (1u << 20)        /* chunk bytes before huge chunks */

/*
 * A call that has filled HUGE_AFTER bytes of 64 KiB chunks gets its next
 * chunks as 2 MiB mappings aligned for a transparent huge page: a call
 * that allocates a lot then takes one page fault per 2 MiB instead of one
 * per 4 KiB (page faults were a third of the time of a string-building
 * loop), and a short call never pays for zeroing a huge page.  Past
 * 1 MiB a huge page costs less than the 4 KiB faults it replaces even
 * when a quarter of it is used (4 MiB: strbuild 1.1x slower).
 */
typedef struct chunk {
	struct chunk *next;
	char *used_end;           /* slots end here (see small_heap.pos) */
	size_t size;              /* bytes of the chunk */
	bool mapped;              /* mmap'd (else malloc'd) */
	max_align_t align[];
} chunk;

/*
 * Small objects without a payload (strs, tuples, ranges, iterators,
 * views) live in chunks: every slot of a chunk's used part starts with an
 * object header, live or free (NBC_OF_FREE, linked on its class's free
 * list through next), so the collector sweeps chunks by walking them
 * linearly, and such objects are not linked on any list.  Lists, dicts
 * and large objects are malloc'd and linked on big.  Without a
 * small_heap (its allocation failed) every object is malloc'd and linked
 * on vm->heap.
 */
typedef struct small_heap {
	nbc_obj *free[NCLASS];
	char *pos, *end;          /* the unused rest of the newest chunk */
	chunk *chunks;
	size_t chunk_bytes;       /* bytes of all chunks */
	nbc_obj *big;
} small_heap;

/*
 * Huge chunks of ended calls wait here (up to POOL_MAX, linked through
 * next) for the next call that needs one: a program that allocates a lot
 * then finds its pages already faulted in and zeroed nothing again, and
 * the end of a call unmaps nothing.
 */
#define POOL_MAX 8
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static chunk *pool;
static unsigned pool_n;

/* A HUGE_CHUNK mapping aligned on HUGE_CHUNK, or NULL. */
static chunk *
huge_chunk(void)
{
	size_t span = 2 * (size_t)HUGE_CHUNK, head;
	char *p;
	chunk *c;

	pthread_mutex_lock(&pool_lock);
	c = pool;
	if (c != NULL) {
		pool = c->next;
		pool_n--;
	}
	pthread_mutex_unlock(&pool_lock);
	if (c != NULL)
		return c;
	p = mmap(NULL, span, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (HUGE_CHUNK - (uintptr_t)p % HUGE_CHUNK) % HUGE_CHUNK;
	if (head > 0)
		munmap(p, head);
	munmap(p + head + HUGE_CHUNK, span - head - HUGE_CHUNK);
	c = (chunk *)(p + head);
	madvise(c, HUGE_CHUNK, MADV_HUGEPAGE);
	c->size = HUGE_CHUNK;
	c->mapped = true;
	return c;
}

static chunk *
new_chunk(small_heap *sh)
{
	chunk *c = NULL;

	if (sh->chunk_bytes >= HUGE_AFTER)
		c = huge_chunk();
	if (c == NULL) {
		c = malloc(CHUNK_SIZE);
		if (c == NULL)
			return NULL;
		c->size = CHUNK_SIZE;
		c->mapped = false;
	}
	sh->chunk_bytes += c->size;
	return c;
}

static void
chunk_free(chunk *c)
{
	if (!c->mapped) {
		free(c);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	if (pool_n < POOL_MAX) {
		c->next = pool;
		pool = c;
		pool_n++;
		c = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	if (c != NULL)
		munmap(c, c->size);
}

static bool
over_budget(const nbc_vm *vm, size_t more)
{
	return more > vm->limits.memory || vm->bytes > vm->limits.memory - more;
}

static nbc_obj *
small_alloc(small_heap *sh, size_t size)
{
	nbc_obj *o = sh->free[size / GRAIN];

	if (o != NULL) {
		sh->free[size / GRAIN] = o->next;
		return o;
	}
	if ((size_t)(sh->end - sh->pos) < size) {
		chunk *c = new_chunk(sh);

		if (c == NULL)
			return NULL;
		if (sh->chunks != NULL)
			sh->chunks->used_end = sh->pos;
		c->next = sh->chunks;
		c->used_end = NULL;
		sh->chunks = c;
		sh->pos = (char *)c->align;
		sh->end = (char *)c + c->size;
	}
	o = (nbc_obj *)sh->pos;
	sh->pos += size;
	return o;
}

static bool
in_chunk(const small_heap *sh, uint32_t type, size_t size)
{
	return sh != NULL && size <= SMALL_MAX && type != NBC_T_LIST &&
	    type != NBC_T_DICT;
}

/* nbc_alloc's general path: a new chunk, a big object, no small heap. */
static __attribute__((noinline)) void *
alloc_slow(nbc_vm *vm, uint32_t type, size_t size)
{
	small_heap *sh = vm->objects;
	bool small = in_chunk(sh, type, size);
	nbc_obj *o;

	if (small)
		size = (size + GRAIN - 1) & ~(size_t)(GRAIN - 1);
	if (over_budget(vm, size) || size > NBC_OBJ_MAX) {
		nbc_raise_resource(vm, "memory");
		return NULL;
	}
	o = small ? small_alloc(sh, size) : malloc(size);
	if (o == NULL) {
		nbc_raise_resource(vm, "memory");
		return NULL;
	}
	o->type = type;
	o->flags = 0;
	o->size = (uint32_t)size;
	if (small) {
		o->next = NULL;
	} else if (sh != NULL) {
		o->next = sh->big;
		sh->big = o;
	} else {
		o->next = vm->heap;
		vm->heap = o;
	}
	vm->bytes += size;
	return o;
}

void *
nbc_alloc(nbc_vm *vm, uint32_t type, size_t size)
{
	small_heap *sh = vm->objects;
	size_t rsize = (size + GRAIN - 1) & ~(size_t)(GRAIN - 1);
	nbc_obj *o;

	/* fast path: a small object from a free list or the current chunk */
	if (__builtin_expect(in_chunk(sh, type, size) &&
	    !over_budget(vm, rsize), 1)) {
		o = sh->free[rsize / GRAIN];
		if (o != NULL)
			sh->free[rsize / GRAIN] = o->next;
		else if ((size_t)(sh->end - sh->pos) >= rsize) {
			o = (nbc_obj *)sh->pos;
			sh->pos += rsize;
		} else
			return alloc_slow(vm, type, size);
		o->type = type;
		o->flags = 0;
		o->size = (uint32_t)rsize;
		o->next = NULL;
		vm->bytes += rsize;
		return o;
	}
	return alloc_slow(vm, type, size);
}

int
nbc_charge(nbc_vm *vm, ptrdiff_t bytes)
{
	if (bytes < 0) {
		size_t back = (size_t)-bytes;

		vm->bytes = back > vm->bytes ? 0 : vm->bytes - back;
		return 0;
	}
	if (over_budget(vm, (size_t)bytes))
		return nbc_raise_resource(vm, "memory");
	vm->bytes += (size_t)bytes;
	return 0;
}

/* Bytes an object holds beyond its header allocation. */
static size_t
payload_size(const nbc_obj *o)
{
	switch (o->type) {
	case NBC_T_LIST:
		return ((const nbc_list *)o)->cap * sizeof(nbc_value);
	case NBC_T_DICT: {
		const nbc_dict *d = (const nbc_dict *)o;

		return d->cap * sizeof(nbc_dict_entry) +
		    d->nindex * sizeof(int32_t);
	}
	default:
		return 0;
	}
}

/* Free a malloc'd object (frozen, big, or of a heap without chunks). */
static void
obj_free(nbc_obj *o)
{
	if (o->type == NBC_T_LIST) {
		free(((nbc_list *)o)->items);
	} else if (o->type == NBC_T_DICT) {
		free(((nbc_dict *)o)->entries);
		free(((nbc_dict *)o)->index);
	}
	free(o);
}

void
nbc_heap_free_all(nbc_vm *vm)
{
	small_heap *sh = vm->objects;
	nbc_obj *o, *next;
	chunk *c, *cn;

	for (o = vm->heap; o != NULL; o = next) {
		next = o->next;
		obj_free(o);
	}
	vm->heap = NULL;
	vm->bytes = 0;
	if (sh == NULL)
		return;
	for (o = sh->big; o != NULL; o = next) {
		next = o->next;
		obj_free(o);
	}
	for (c = sh->chunks; c != NULL; c = cn) {
		cn = c->next;
		chunk_free(c);
	}
	memset(sh, 0, sizeof(*sh));
}

typedef struct mark_stack {
	nbc_obj **v;
	size_t n, cap;
	bool failed;
} mark_stack;

static inline void
mark_value(mark_stack *ms, nbc_value v)
{
	nbc_obj *o;

	if (!NBC_IS_HEAP(v) || v.t >= NBC_T__COUNT)
		return;
	o = v.u.o;
	if (o->flags & (NBC_OF_FROZEN | NBC_OF_MARK))
		return;
	o->flags |= NBC_OF_MARK;
	if (o->flags & NBC_OF_STRVIEW) {
		nbc_obj *base = &((nbc_str *)o)->buf.base->h;

		if (!(base->flags & NBC_OF_FROZEN))
			base->flags |= NBC_OF_MARK;
		return;
	}
	if (o->type == NBC_T_STR || o->type == NBC_T_RANGE)
		return;
	if (ms->n == ms->cap) {
		size_t ncap = ms->cap ? ms->cap * 2 : 256;
		nbc_obj **nv = reallocarray(ms->v, ncap, sizeof(*nv));

		if (nv == NULL) {
			ms->failed = true;
			return;
		}
		ms->v = nv;
		ms->cap = ncap;
	}
	ms->v[ms->n++] = o;
}

static void
mark_children(mark_stack *ms, nbc_obj *o)
{
	size_t i;

	switch (o->type) {
	case NBC_T_LIST: {
		nbc_list *l = (nbc_list *)o;

		for (i = 0; i < l->n; i++) {
			/* items are scattered: fetch a few ahead */
			if (i + 8 < l->n && NBC_IS_HEAP(l->items[i + 8]))
				__builtin_prefetch(l->items[i + 8].u.o, 1);
			mark_value(ms, l->items[i]);
		}
		break;
	}
	case NBC_T_TUPLE: {
		nbc_tuple *t = (nbc_tuple *)o;

		for (i = 0; i < t->n; i++)
			mark_value(ms, t->items[i]);
		break;
	}
	case NBC_T_DICT: {
		nbc_dict *d = (nbc_dict *)o;

		for (i = 0; i < d->nentries; i++) {
			mark_value(ms, d->entries[i].key);
			mark_value(ms, d->entries[i].value);
		}
		break;
	}
	case NBC_T_ITER:
		mark_value(ms, ((nbc_iterobj *)o)->src);
		break;
	case NBC_T_DICTVIEW:
		mark_value(ms, ((nbc_dictview *)o)->dict);
		break;
	default:
		break;
	}
}

/*
 * The next collection comes when the heap has grown past twice the live
 * size plus 16 MiB, but at most halfway to the budget: a large live set
 * is not marked again every few MiB, and a program near its budget is
 * collected before it fails.
 */
static void
set_threshold(nbc_vm *vm)
{
	size_t live = vm->bytes, lim = (size_t)vm->limits.memory;
	size_t t = live * 2 + (16u << 20);

	if (live >= lim)
		t = lim;
	else if (t > live + (lim - live) / 2)
		t = live + (lim - live) / 2;
	vm->gc_threshold = t;
}

/* Free the unmarked objects of a list of malloc'd objects, unmark the
 * others (keep all when marking failed). */
static void
sweep_list(nbc_vm *vm, nbc_obj **link, bool keep_all)
{
	nbc_obj *o;

	while ((o = *link) != NULL) {
		if (keep_all || (o->flags & NBC_OF_MARK)) {
			o->flags &= ~NBC_OF_MARK;
			link = &o->next;
			continue;
		}
		*link = o->next;
		nbc_charge(vm, -(ptrdiff_t)(o->size + payload_size(o)));
		obj_free(o);
	}
}

/* The same over every slot of every chunk, in address order. */
static void
sweep_chunks(nbc_vm *vm, small_heap *sh, bool keep_all)
{
	chunk *c;
	size_t freed = 0;

	if (sh->chunks != NULL)
		sh->chunks->used_end = sh->pos;
	for (c = sh->chunks; c != NULL; c = c->next) {
		char *p = (char *)c->align;

		while (p < c->used_end) {
			nbc_obj *o = (nbc_obj *)p;

			p += o->size;
			if (o->flags & NBC_OF_FREE)
				continue;
			if (keep_all || (o->flags & NBC_OF_MARK)) {
				o->flags &= ~NBC_OF_MARK;
				continue;
			}
			freed += o->size;
			o->flags = NBC_OF_FREE;
			o->next = sh->free[o->size / GRAIN];
			sh->free[o->size / GRAIN] = o;
		}
	}
	nbc_charge(vm, -(ptrdiff_t)freed);
}

void
nbc_gc(nbc_vm *vm)
{
	mark_stack ms = { 0 };
	small_heap *sh = vm->objects;
	nbc_value *v;
	size_t i;

	if (vm->stack != NULL)
		for (v = vm->stack; v < vm->sp; v++)
			mark_value(&ms, *v);
	for (i = 0; i < vm->nglobals; i++)
		mark_value(&ms, vm->gcache[i]);
	for (i = 0; i < vm->nxroots; i++)
		mark_value(&ms, vm->xroots[i]);
	while (ms.n > 0 && !ms.failed)
		mark_children(&ms, ms.v[--ms.n]);
	free(ms.v);
	sweep_list(vm, &vm->heap, ms.failed);
	if (sh != NULL) {
		sweep_list(vm, &sh->big, ms.failed);
		sweep_chunks(vm, sh, ms.failed);
	}
	set_threshold(vm);
}

void
nbc_gc_maybe(nbc_vm *vm)
{
	if (vm->bytes > vm->gc_threshold)
		nbc_gc(vm);
}

/* ---- pointer map (freeze / thaw memo) ---------------------------------- */

typedef struct ptrmap {
	const void **keys;
	void **vals;
	size_t n, cap;
} ptrmap;

static size_t
ptr_slot(const void *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h >> 17) & (cap - 1);
}

static void *
ptrmap_get(const ptrmap *m, const void *k)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = ptr_slot(k, m->cap); m->keys[i] != NULL;
	    i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return m->vals[i];
	return NULL;
}

static bool
ptrmap_put(ptrmap *m, const void *k, void *v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		ptrmap nm = { 0 };

		nm.cap = m->cap ? m->cap * 2 : 64;
		nm.keys = calloc(nm.cap, sizeof(*nm.keys));
		nm.vals = calloc(nm.cap, sizeof(*nm.vals));
		if (nm.keys == NULL || nm.vals == NULL) {
			free(nm.keys);
			free(nm.vals);
			return false;
		}
		for (i = 0; i < m->cap; i++)
			if (m->keys[i] != NULL) {
				size_t j = ptr_slot(m->keys[i], nm.cap);

				while (nm.keys[j] != NULL)
					j = (j + 1) & (nm.cap - 1);
				nm.keys[j] = m->keys[i];
				nm.vals[j] = m->vals[i];
			}
		nm.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = nm;
	}
	for (i = ptr_slot(k, m->cap); m->keys[i] != NULL;
	    i = (i + 1) & (m->cap - 1))
		;
	m->keys[i] = k;
	m->vals[i] = v;
	m->n++;
	return true;
}

static void
ptrmap_free(ptrmap *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- freeze ------------------------------------------------------------ */

typedef struct freezer {
	nbc_vm *vm;
	nbc_obj **owner;
	ptrmap memo;
} freezer;

static void *
frozen_alloc(freezer *fz, uint32_t type, size_t size, const void *orig)
{
	nbc_obj *o = size <= NBC_OBJ_MAX ? malloc(size) : NULL;

	if (o == NULL) {
		nbc_raise_resource(fz->vm, "memory");
		return NULL;
	}
	o->type = type;
	o->flags = NBC_OF_FROZEN;
	o->size = (uint32_t)size;
	o->next = *fz->owner;
	*fz->owner = o;
	if (!ptrmap_put(&fz->memo, orig, o)) {
		nbc_raise_resource(fz->vm, "memory");
		return NULL;
	}
	return o;
}

static bool
is_mutable_value(nbc_value v)
{
	return v.t == NBC_T_LIST || v.t == NBC_T_DICT || v.t == NBC_T_ITER ||
	    v.t == NBC_T_DICTVIEW ||
	    (NBC_IS_HEAP(v) && (v.u.o->flags & NBC_OF_HASMUT));
}

static int freeze_value(freezer *fz, nbc_value v, nbc_value *out, int depth);

static int
freeze_items(freezer *fz, const nbc_value *src, nbc_value *dst, size_t n,
    int depth)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = nbc_none();
	for (i = 0; i < n; i++)
		if (freeze_value(fz, src[i], &dst[i], depth + 1) < 0)
			return -1;
	return 0;
}

static int
freeze_value(freezer *fz, nbc_value v, nbc_value *out, int depth)
{
	nbc_obj *o, *copy;

	*out = v;
	if (!NBC_IS_HEAP(v) || (v.u.o->flags & NBC_OF_FROZEN))
		return 0;
	if (depth > NBC_MAX_NEST)
		return nbc_raise(fz->vm, NBC_EXC_RECURSION_ERROR,
		    "maximum recursion depth exceeded");
	o = v.u.o;
	copy = ptrmap_get(&fz->memo, o);
	if (copy != NULL) {
		out->u.o = copy;
		return 0;
	}
	switch (v.t) {
	case NBC_T_STR: {
		nbc_str *s = NBC_STR(v), *c;

		c = frozen_alloc(fz, NBC_T_STR, sizeof(*s) + s->len + 1, o);
		if (c == NULL)
			return -1;
		c->len = s->len;
		c->nchars = s->nchars;
		c->data = c->inl;
		memcpy(c->inl, s->data, s->len);
		c->inl[s->len] = '\0';
		c->hash = 0;
		nbc_str_hash(c);
		out->u.o = &c->h;
		return 0;
	}
	case NBC_T_RANGE: {
		nbc_range *r = NBC_RANGE(v), *c;

		c = frozen_alloc(fz, NBC_T_RANGE, sizeof(*r), o);
		if (c == NULL)
			return -1;
		c->start = r->start;
		c->stop = r->stop;
		c->step = r->step;
		out->u.o = &c->h;
		return 0;
	}
	case NBC_T_TUPLE: {
		nbc_tuple *t = NBC_TUPLE(v), *c;
		size_t i;
		uint64_t h;

		c = frozen_alloc(fz, NBC_T_TUPLE,
		    sizeof(*t) + t->n * sizeof(nbc_value), o);
		if (c == NULL)
			return -1;
		c->n = t->n;
		c->hash = 0;
		out->u.o = &c->h;
		if (freeze_items(fz, t->items, c->items, t->n, depth) < 0)
			return -1;
		for (i = 0; i < c->n; i++)
			if (is_mutable_value(c->items[i]))
				c->h.flags |= NBC_OF_HASMUT;
		/* hash now: calls on other threads must only read it */
		if (!(c->h.flags & NBC_OF_HASMUT) && nbc_hash(fz->vm, *out, &h) == 0)
			c->hash = h;
		return 0;
	}
	case NBC_T_LIST: {
		nbc_list *l = NBC_LIST(v), *c;

		c = frozen_alloc(fz, NBC_T_LIST, sizeof(*l), o);
		if (c == NULL)
			return -1;
		c->h.flags |= NBC_OF_HASMUT;
		c->n = c->cap = 0;
		c->items = NULL;
		out->u.o = &c->h;
		if (l->n == 0)
			return 0;
		c->items = calloc(l->n, sizeof(nbc_value));
		if (c->items == NULL)
			return nbc_raise_resource(fz->vm, "memory");
		c->n = c->cap = l->n;
		return freeze_items(fz, l->items, c->items, l->n, depth);
	}
	case NBC_T_DICT: {
		nbc_dict *d = NBC_DICT(v), *c;
		size_t i;

		c = frozen_alloc(fz, NBC_T_DICT, sizeof(*d), o);
		if (c == NULL)
			return -1;
		c->h.flags |= NBC_OF_HASMUT;
		c->n = c->nentries = c->cap = c->nindex = 0;
		c->index = NULL;
		c->entries = NULL;
		out->u.o = &c->h;
		if (d->nindex == 0)
			return 0;
		c->index = malloc(d->nindex * sizeof(int32_t));
		c->entries = calloc(d->cap ? d->cap : 1, sizeof(nbc_dict_entry));
		if (c->index == NULL || c->entries == NULL)
			return nbc_raise_resource(fz->vm, "memory");
		memcpy(c->index, d->index, d->nindex * sizeof(int32_t));
		c->nindex = d->nindex;
		c->cap = d->cap;
		for (i = 0; i < d->nentries; i++) {
			c->entries[i].hash = d->entries[i].hash;
			c->entries[i].key = nbc_none();
			c->entries[i].value = nbc_none();
			if (d->entries[i].key.t == NBC_T__COUNT)
				c->entries[i].key = d->entries[i].key;
		}
		c->nentries = d->nentries;
		c->n = d->n;
		for (i = 0; i < d->nentries; i++) {
			if (d->entries[i].key.t == NBC_T__COUNT)
				continue;
			if (freeze_value(fz, d->entries[i].key,
			    &c->entries[i].key, depth + 1) < 0 ||
			    freeze_value(fz, d->entries[i].value,
			    &c->entries[i].value, depth + 1) < 0)
				return -1;
		}
		return 0;
	}
	case NBC_T_ITER: {
		nbc_iterobj *it = NBC_ITERP(v), *c;

		c = frozen_alloc(fz, NBC_T_ITER, sizeof(*it), o);
		if (c == NULL)
			return -1;
		c->h.flags |= NBC_OF_HASMUT;
		c->kind = it->kind;
		c->name = it->name;
		c->pos = it->pos;
		c->stop = it->stop;
		c->step = it->step;
		c->src = nbc_none();
		out->u.o = &c->h;
		return freeze_value(fz, it->src, &c->src, depth + 1);
	}
	case NBC_T_DICTVIEW: {
		nbc_dictview *dv = NBC_VIEW(v), *c;

		c = frozen_alloc(fz, NBC_T_DICTVIEW, sizeof(*dv), o);
		if (c == NULL)
			return -1;
		c->h.flags |= NBC_OF_HASMUT;
		c->kind = dv->kind;
		c->dict = nbc_none();
		out->u.o = &c->h;
		return freeze_value(fz, dv->dict, &c->dict, depth + 1);
	}
	default:
		return nbc_raise(fz->vm, NBC_EXC_RUNTIME_ERROR,
		    "cannot freeze a value of this type");
	}
}

int
nbc_value_freeze(nbc_vm *vm, nbc_value v, nbc_obj **owner, nbc_value *out)
{
	freezer fz = { vm, owner, { 0 } };
	int r = freeze_value(&fz, v, out, 0);

	ptrmap_free(&fz.memo);
	if (r < 0)
		*out = nbc_none();
	return r;
}

void
nbc_frozen_free(nbc_obj *owner)
{
	nbc_obj *next;

	for (; owner != NULL; owner = next) {
		next = owner->next;
		obj_free(owner);
	}
}

bool
nbc_value_needs_thaw(nbc_value v)
{
	return NBC_IS_HEAP(v) && (v.u.o->flags & NBC_OF_FROZEN) &&
	    (v.u.o->flags & NBC_OF_HASMUT);
}

/* ---- thaw -------------------------------------------------------------- */

typedef struct thawer {
	nbc_vm *vm;
	ptrmap memo;
} thawer;

static int
thaw_value(thawer *th, nbc_value v, nbc_value *out, int depth)
{
	nbc_vm *vm = th->vm;
	nbc_obj *copy;
	size_t i;

	*out = v;
	if (!nbc_value_needs_thaw(v))
		return 0;
	if (depth > NBC_MAX_NEST)
		return nbc_raise(vm, NBC_EXC_RECURSION_ERROR,
		    "maximum recursion depth exceeded");
	copy = ptrmap_get(&th->memo, v.u.o);
	if (copy != NULL) {
		out->u.o = copy;
		return 0;
	}
	switch (v.t) {
	case NBC_T_LIST: {
		nbc_list *l = NBC_LIST(v), *c;

		if (nbc_list_new(vm, l->n, out) < 0)
			return -1;
		c = NBC_LIST(*out);
		if (!ptrmap_put(&th->memo, v.u.o, c))
			return nbc_raise_resource(vm, "memory");
		for (i = 0; i < l->n; i++)
			c->items[i] = nbc_none();
		c->n = l->n;
		for (i = 0; i < l->n; i++)
			if (thaw_value(th, l->items[i], &c->items[i],
			    depth + 1) < 0)
				return -1;
		return 0;
	}
	case NBC_T_TUPLE: {
		nbc_tuple *t = NBC_TUPLE(v), *c;

		if (nbc_tuple_new(vm, NULL, t->n, out) < 0)
			return -1;
		c = NBC_TUPLE(*out);
		if (!ptrmap_put(&th->memo, v.u.o, c))
			return nbc_raise_resource(vm, "memory");
		for (i = 0; i < t->n; i++)
			if (thaw_value(th, t->items[i], &c->items[i],
			    depth + 1) < 0)
				return -1;
		return 0;
	}
	case NBC_T_DICT: {
		nbc_dict *d = NBC_DICT(v);
		nbc_dict_entry *e;
		int64_t pos = 0;
		nbc_value val;

		if (nbc_dict_new(vm, out) < 0)
			return -1;
		if (!ptrmap_put(&th->memo, v.u.o, out->u.o))
			return nbc_raise_resource(vm, "memory");
		while ((e = nbc_dict_next(d, &pos)) != NULL) {
			if (thaw_value(th, e->value, &val, depth + 1) < 0 ||
			    nbc_dict_set(vm, *out, e->key, val) < 0)
				return -1;
		}
		return 0;
	}
	case NBC_T_ITER: {
		nbc_iterobj *it = NBC_ITERP(v), *c;

		c = nbc_alloc(vm, NBC_T_ITER, sizeof(*c));
		if (c == NULL)
			return -1;
		c->kind = it->kind;
		c->name = it->name;
		c->pos = it->pos;
		c->stop = it->stop;
		c->step = it->step;
		c->src = nbc_none();
		*out = nbc_obj_value(NBC_T_ITER, &c->h);
		if (!ptrmap_put(&th->memo, v.u.o, c))
			return nbc_raise_resource(vm, "memory");
		return thaw_value(th, it->src, &c->src, depth + 1);
	}
	case NBC_T_DICTVIEW: {
		nbc_dictview *dv = NBC_VIEW(v), *c;

		c = nbc_alloc(vm, NBC_T_DICTVIEW, sizeof(*c));
		if (c == NULL)
			return -1;
		c->kind = dv->kind;
		c->dict = nbc_none();
		*out = nbc_obj_value(NBC_T_DICTVIEW, &c->h);
		if (!ptrmap_put(&th->memo, v.u.o, c))
			return nbc_raise_resource(vm, "memory");
		return thaw_value(th, dv->dict, &c->dict, depth + 1);
	}
	default:
		return 0;
	}
}

int
nbc_value_thaw(nbc_vm *vm, nbc_value v, nbc_value *out)
{
	thawer th = { vm, { 0 } };
	int r = thaw_value(&th, v, out, 0);

	ptrmap_free(&th.memo);
	return r;
}

/* ---- random (xoshiro256**) ---------------------------------------------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
nbc_rng_next(nbc_vm *vm)
{
	uint64_t *s = vm->rng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* ---- call state -------------------------------------------------------- */

/*
 * A NULL limits gives the defaults, and so does a zero field of limits.
 * A NULL host grants no capability (print still works: its output is kept
 * in vm->out).
 */
void
nbc_vm_init(nbc_vm *vm, const nbc_limits *limits, const nbc_host *host)
{
	nbc_limits def;
	uint64_t seed;
	int i;

	memset(vm, 0, sizeof(*vm));
	nbc_limits_default(&def);
	vm->limits = limits != NULL ? *limits : def;
	if (vm->limits.gas == 0)
		vm->limits.gas = def.gas;
	if (vm->limits.memory == 0)
		vm->limits.memory = def.memory;
	if (vm->limits.depth == 0)
		vm->limits.depth = def.depth;
	if (vm->limits.output == 0)
		vm->limits.output = def.output;
	vm->gas_left = vm->limits.gas;
	vm->host = host;
	vm->objects = calloc(1, sizeof(small_heap));   /* NULL: malloc each */
	set_threshold(vm);
	if (host != NULL && host->seed != 0) {
		seed = host->seed;
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000000000ULL +
		    (uint64_t)ts.tv_nsec) ^ (uint64_t)(uintptr_t)vm;
	}
	for (i = 0; i < 4; i++)
		vm->rng[i] = splitmix64(&seed);
}

void
nbc_vm_release(nbc_vm *vm)
{
	nbc_heap_free_all(vm);
	free(vm->objects);
	vm->objects = NULL;
	free(vm->out);
	vm->out = NULL;
	vm->out_len = vm->out_cap = 0;
	free(vm->exc_msg);
	vm->exc_msg = NULL;
	vm->raised = false;
}

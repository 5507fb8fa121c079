/* sls_lint._speedups: the innermost loops of the semantic model's traversal, in C.
 *
 * Optional: setup.py builds it when a C compiler is there, and sls_lint.semantic falls back to the
 * same code in Python (ModuleModel._visit_block) when the module is missing or SLS_LINT_PURE=1.
 * Both produce the same model; tests/test_speedups.py checks them against each other.
 *
 * Walker(visit, parents, levels, call_scopes)(node, scope, func, prefix, in_tc, depth) does what
 * ModuleModel._visit_block does: each child node of `node` (fields from CHILD_FIELDS, in field
 * order) is appended to levels[depth + 1] (the breadth-first walk, one list per depth) and gets
 * `node` as its parent. A child of a type the model treats specially (definitions, imports,
 * assignments, ...) goes to the Python method `visit`; every other child is handled here as
 * ModuleModel._visit's fast path does: a Call records its scope (call_scopes) and joins the calls
 * of `func`; then its own children are visited the same way. Binding nodes (assignments, for
 * and with targets, comprehensions, walrus, except ... as) bind their names here as
 * ModuleModel._visit does, and an `if` that is not `if TYPE_CHECKING:` is an ordinary node. Names, constants and the field-less
 * leaves (contexts, operators) are not descended into. Its methods visit_all, walk_only and
 * visit_args are ModuleModel._visit_all, _walk_only and _visit_args (a definition's parameters
 * and defaults). Given the model's functions, by_qualname and scope_of_node tables and the Scope
 * and FunctionInfo classes, it also does the FunctionDef branch of ModuleModel._visit
 * (visit_function).
 *
 * configure(child_fields_map, child_fields, ast_type) and configure_model(terminal, special,
 * no_children, call_type) hand over the tables of sls_lint.astindex and sls_lint.semantic once,
 * at their import.
 *
 * walk(tree, leaves) is astindex._walk: ast.walk's order (FIFO, children in field order),
 * field-less leaves left out; group_by_type(nodes) is astindex.build's grouping; and
 * chunk_tokens(text, memo, tokens, max_memo) is importcost's word index loop over a text's chunks
 * (and engine.Prefilter's, for tokens token_matcher does not take); token_matcher(tokens) and
 * find_tokens(matcher, text) are engine.Prefilter's one-pass substring search;
 * of_types(nodes, types) filters a walk by exact node types; long_strings(nodes, min_len) keeps
 * the Constant nodes holding a str or bytes of at least min_len; group_by_field(nodes, name,
 * wanted) groups nodes by a field's value, for the values wanted;
 * dispatch(walk, table, by_name, call_name, call_rules, ctx, terminals, aliased) is the engine's
 * loop calling the rules' visit methods over a module.
 *
 * keep_heap() stops glibc's malloc from handing the top of its heap back to the system after
 * each large free (see its docstring); the CLI calls it for a one-shot process.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__GLIBC__)
#include <limits.h>
#include <malloc.h>
#endif

#define SPEEDUPS_API 14 /* astindex.SPEEDUPS_API: raise both with any change to what is exported */

static PyObject *g_fields_map;   /* dict: node type -> tuple of child field names */
static PyObject *g_fields_fn;    /* callable: node type -> that tuple (memoising into the map) */
static PyObject *g_terminal;     /* frozenset of types not descended into */
static PyObject *g_special;      /* frozenset of types handled by the Python visit */
static PyObject *g_no_children;  /* frozenset of field-less leaf types */
static PyTypeObject *g_call;     /* ast.Call */
static PyTypeObject *g_ast;      /* ast.AST */
static PyObject *g_str_calls;    /* "calls" */
static PyObject *g_binders;      /* dict: node type -> BIND_* kind (binding nodes handled here) */
static PyTypeObject *g_name, *g_tuple, *g_list, *g_starred, *g_attribute, *g_if, *g_function_def, *g_async_function_def;
static PyObject *g_str_globals, *g_str_bindings, *g_str_targets, *g_str_target, *g_str_items, *g_str_optional_vars,
    *g_str_id, *g_str_elts, *g_str_value, *g_str_name, *g_str_test, *g_str_attr, *g_str_type_checking, *g_str_func,
    *g_str_rule, *g_str_imports, *g_str_params, *g_str_kind, *g_str_parent, *g_str_qualname,
    *g_str_posonlyargs, *g_str_args, *g_str_vararg, *g_str_kwonlyargs, *g_str_kw_defaults, *g_str_kwarg, *g_str_defaults,
    *g_str_returns, *g_str_body, *g_str_decorator_list, *g_str_arg, *g_str_function, *g_str_dot, *g_kw_is_async;

/* what ModuleModel._visit does with a binding node before visiting its children */
enum { BIND_TARGETS = 1, BIND_TARGET = 2, BIND_WITH = 3, BIND_NAMED = 4, BIND_EXCEPT = 5 };

static PyObject *
child_fields(PyTypeObject *t)
{
    /* borrowed-style semantics: returns a new reference */
    PyObject *f = PyDict_GetItemWithError(g_fields_map, (PyObject *)t);
    if (f != NULL) {
        Py_INCREF(f);
        return f;
    }
    if (PyErr_Occurred())
        return NULL;
    f = PyObject_CallOneArg(g_fields_fn, (PyObject *)t);
    if (f != NULL && !PyTuple_Check(f)) {
        Py_DECREF(f);
        PyErr_SetString(PyExc_TypeError, "child_fields must return a tuple");
        return NULL;
    }
    return f;
}

static int
contains(PyObject *set, PyTypeObject *t)
{
    return PySet_Contains(set, (PyObject *)t);
}

/* What the model's walk asks about a node type, looked up once per type instead of three set
   lookups, a subtype check and a dict lookup per node: an open-addressing table keyed by the type
   object (strong references), emptied whenever configure() or configure_model() changes what
   the answers come from. */
enum { TF_AST = 1, TF_TERMINAL = 2, TF_SPECIAL = 4, TF_NO_CHILDREN = 8 };
#define TC_SIZE 1024 /* a power of two, far above the ~130 node types */

typedef struct {
    PyTypeObject *type;
    PyObject *fields; /* child_fields(type), for AST types */
    int flags;
} TypeEntry;

static TypeEntry g_tc[TC_SIZE];
static Py_ssize_t g_tc_count;

static void
tc_clear(void)
{
    for (Py_ssize_t i = 0; i < TC_SIZE; i++) {
        Py_CLEAR(g_tc[i].type);
        Py_CLEAR(g_tc[i].fields);
        g_tc[i].flags = 0;
    }
    g_tc_count = 0;
}

static PyObject *child_fields(PyTypeObject *t);

/* the entry of type t (borrowed; valid until the next tc_clear), NULL with an error set */
static TypeEntry *
type_entry(PyTypeObject *t)
{
    size_t h = ((size_t)(uintptr_t)t >> 4) & (TC_SIZE - 1);
    while (g_tc[h].type != NULL) {
        if (g_tc[h].type == t)
            return &g_tc[h];
        h = (h + 1) & (TC_SIZE - 1);
    }
    if (g_tc_count >= TC_SIZE / 2) { /* never with the ast module's types; stay correct anyway */
        tc_clear();
        h = ((size_t)(uintptr_t)t >> 4) & (TC_SIZE - 1);
    }
    int flags = 0;
    PyObject *fields = NULL;
    if (PyType_IsSubtype(t, g_ast)) {
        flags |= TF_AST;
        fields = child_fields(t);
        if (fields == NULL)
            return NULL;
        PyObject *sets[3] = {g_terminal, g_special, g_no_children};
        int bits[3] = {TF_TERMINAL, TF_SPECIAL, TF_NO_CHILDREN};
        for (int i = 0; i < 3; i++) {
            int r = sets[i] == NULL ? 0 : contains(sets[i], t);
            if (r < 0) {
                Py_DECREF(fields);
                return NULL;
            }
            if (r)
                flags |= bits[i];
        }
    }
    Py_INCREF(t);
    g_tc[h].type = t;
    g_tc[h].fields = fields;
    g_tc[h].flags = flags;
    g_tc_count++;
    return &g_tc[h];
}

/* node.<name> (a new reference; NULL with AttributeError when it has none): a node's fields are
   in its instance dict, read there first (getattr would search the type's MRO before it) */
static PyObject *
node_field(PyObject *node, PyObject *name)
{
    PyObject **dictptr = _PyObject_GetDictPtr(node);
    if (dictptr != NULL && *dictptr != NULL) {
        PyObject *v = PyDict_GetItemWithError(*dictptr, name);
        if (v != NULL) {
            Py_INCREF(v);
            return v;
        }
        if (PyErr_Occurred())
            return NULL;
    }
    return PyObject_GetAttr(node, name);
}

typedef struct { /* what the loops need (a WalkerObject holds the references) */
    PyObject *visit;        /* the model's Python _visit (special nodes) */
    PyObject *parents;      /* dict node -> parent */
    PyObject *levels;       /* list of lists, one per depth */
    PyObject *call_scopes;  /* dict Call -> scope */
    PyObject *module_scope; /* the model's module Scope (names declared global bind there) */
    /* for definitions (all NULL: they go to `visit` like the other special nodes) */
    PyObject *functions;    /* dict FunctionDef -> FunctionInfo */
    PyObject *by_qualname;  /* dict qualname -> the first FunctionInfo */
    PyObject *scope_of_node;/* dict scope-creating node -> Scope */
    PyObject *scope_type;   /* semantic.Scope */
    PyObject *info_type;    /* semantic.FunctionInfo */
} Walker;

static PyObject *
level_at(PyObject *levels, Py_ssize_t depth)
{
    /* borrowed reference to levels[depth], created (with any missing ones) when needed */
    while (PyList_GET_SIZE(levels) <= depth) {
        PyObject *fresh = PyList_New(0);
        if (fresh == NULL)
            return NULL;
        int rc = PyList_Append(levels, fresh);
        Py_DECREF(fresh);
        if (rc < 0)
            return NULL;
    }
    return PyList_GET_ITEM(levels, depth);
}

static int visit_block(Walker *w, PyObject *node, PyObject *scope, PyObject *func, PyObject *calls,
                       PyObject *prefix, PyObject *in_tc, Py_ssize_t depth);

/* ModuleModel._bind: `name` is bound by `node` in `scope` (in the module's scope when the scope
   declares it global) */
static int
bind(Walker *w, PyObject *scope, PyObject *name, PyObject *node)
{
    PyObject *globals = PyObject_GetAttr(scope, g_str_globals);
    if (globals == NULL)
        return -1;
    int global = PySequence_Contains(globals, name);
    Py_DECREF(globals);
    if (global < 0)
        return -1;
    PyObject *bindings = PyObject_GetAttr(global ? w->module_scope : scope, g_str_bindings);
    if (bindings == NULL)
        return -1;
    int rc = -1;
    PyObject *nodes = PyDict_GetItemWithError(bindings, name); /* borrowed */
    if (nodes == NULL && !PyErr_Occurred()) {
        nodes = PyList_New(0);
        if (nodes != NULL) {
            rc = PyDict_SetItem(bindings, name, nodes);
            Py_DECREF(nodes); /* the dict holds it */
            if (rc < 0)
                nodes = NULL;
        }
    }
    rc = nodes == NULL ? -1 : PyList_Append(nodes, node);
    Py_DECREF(bindings);
    return rc;
}

/* semantic._target_names: the names an assignment target binds (Name; Tuple, List and Starred
   recursively), each bound to `node` */
static int
bind_target(Walker *w, PyObject *scope, PyObject *target, PyObject *node)
{
    PyTypeObject *t = Py_TYPE(target);
    if (t == g_name) {
        PyObject *id = PyObject_GetAttr(target, g_str_id);
        if (id == NULL)
            return -1;
        int rc = bind(w, scope, id, node);
        Py_DECREF(id);
        return rc;
    }
    if (t == g_tuple || t == g_list || t == g_starred) {
        PyObject *sub = PyObject_GetAttr(target, t == g_starred ? g_str_value : g_str_elts);
        if (sub == NULL)
            return -1;
        int rc = 0;
        if (Py_EnterRecursiveCall(" while building the semantic model")) {
            Py_DECREF(sub);
            return -1;
        }
        if (t == g_starred)
            rc = bind_target(w, scope, sub, node);
        else if (PyList_Check(sub)) {
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(sub) && rc == 0; i++) {
                PyObject *e = PyList_GET_ITEM(sub, i);
                Py_INCREF(e);
                rc = bind_target(w, scope, e, node);
                Py_DECREF(e);
            }
        }
        Py_LeaveRecursiveCall();
        Py_DECREF(sub);
        return rc;
    }
    return 0;
}

/* bind_target for node.<field> (a target, or a list of them when `many`) */
static int
bind_field(Walker *w, PyObject *scope, PyObject *node, PyObject *field, int many, PyObject *binder)
{
    PyObject *value = PyObject_GetAttr(node, field);
    if (value == NULL)
        return -1;
    int rc = 0;
    if (many && PyList_Check(value)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value) && rc == 0; i++) {
            PyObject *e = PyList_GET_ITEM(value, i);
            Py_INCREF(e);
            rc = bind_target(w, scope, e, binder);
            Py_DECREF(e);
        }
    }
    else if (!many)
        rc = bind_target(w, scope, value, binder);
    Py_DECREF(value);
    return rc;
}

/* what ModuleModel._visit binds for a node of kind `kind` (a BIND_* value) */
static int
bind_node(Walker *w, PyObject *scope, PyObject *node, long kind)
{
    switch (kind) {
    case BIND_TARGETS: /* Assign */
        return bind_field(w, scope, node, g_str_targets, 1, node);
    case BIND_TARGET: /* AnnAssign, AugAssign, For, AsyncFor, comprehension */
        return bind_field(w, scope, node, g_str_target, 0, node);
    case BIND_WITH: { /* With, AsyncWith: each item binds its optional_vars to the item */
        PyObject *items = PyObject_GetAttr(node, g_str_items);
        if (items == NULL)
            return -1;
        int rc = 0;
        if (PyList_Check(items)) {
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items) && rc == 0; i++) {
                PyObject *item = PyList_GET_ITEM(items, i);
                Py_INCREF(item);
                PyObject *vars = PyObject_GetAttr(item, g_str_optional_vars);
                if (vars == NULL)
                    rc = -1;
                else {
                    if (vars != Py_None)
                        rc = bind_target(w, scope, vars, item);
                    Py_DECREF(vars);
                }
                Py_DECREF(item);
            }
        }
        Py_DECREF(items);
        return rc;
    }
    case BIND_NAMED: { /* NamedExpr: its target is a Name */
        PyObject *target = PyObject_GetAttr(node, g_str_target);
        if (target == NULL)
            return -1;
        PyObject *id = PyObject_GetAttr(target, g_str_id);
        Py_DECREF(target);
        if (id == NULL)
            return -1;
        int rc = bind(w, scope, id, node);
        Py_DECREF(id);
        return rc;
    }
    case BIND_EXCEPT: { /* ExceptHandler: its name, when it has one */
        PyObject *name = PyObject_GetAttr(node, g_str_name);
        if (name == NULL)
            return -1;
        int truthy = PyObject_IsTrue(name);
        int rc = truthy < 0 ? -1 : (truthy ? bind(w, scope, name, node) : 0);
        Py_DECREF(name);
        return rc;
    }
    }
    return 0;
}

/* semantic._is_type_checking(node.test) for an If */
static int
is_type_checking_if(PyObject *node)
{
    PyObject *test = PyObject_GetAttr(node, g_str_test);
    if (test == NULL)
        return -1;
    PyObject *which = NULL;
    if (Py_TYPE(test) == g_name)
        which = g_str_id;
    else if (Py_TYPE(test) == g_attribute)
        which = g_str_attr;
    int r = 0;
    if (which != NULL) {
        PyObject *v = PyObject_GetAttr(test, which);
        if (v == NULL)
            r = -1;
        else {
            r = PyUnicode_Check(v) && PyUnicode_Compare(v, g_str_type_checking) == 0;
            Py_DECREF(v);
        }
    }
    Py_DECREF(test);
    return r;
}

static int visit_function(Walker *w, PyObject *node, PyObject *scope, PyObject *func, PyObject *calls,
                          PyObject *prefix, PyObject *in_tc, Py_ssize_t depth);

/* ModuleModel._visit: a node already in the walk, with its parent set */
static int
visit_node(Walker *w, PyObject *child, PyObject *scope, PyObject *func, PyObject *calls, PyObject *prefix,
           PyObject *in_tc, Py_ssize_t depth)
{
    PyTypeObject *t = Py_TYPE(child);
    TypeEntry *entry = type_entry(t);
    if (entry == NULL)
        return -1;
    int flags = entry->flags;
    if (flags & TF_TERMINAL)
        return 0;
    int r = (flags & TF_SPECIAL) != 0;
    if (r) {
        /* binding nodes and an If that is not `if TYPE_CHECKING:` are handled here; the
           rest in Python (classes, lambdas, imports, global/nonlocal, TYPE_CHECKING blocks),
           but for function definitions, here too when the Walker has the model's tables */
        PyObject *kind = PyDict_GetItemWithError(g_binders, (PyObject *)t); /* borrowed */
        if (kind == NULL && PyErr_Occurred())
            return -1;
        int here = kind != NULL;
        if (t == g_if) {
            int tc = is_type_checking_if(child);
            if (tc < 0)
                return -1;
            here = !tc;
        }
        if (here) {
            if (kind != NULL && bind_node(w, scope, child, PyLong_AsLong(kind)) < 0)
                return -1;
            goto children;
        }
    }
    if (r && (t == g_function_def || t == g_async_function_def) && w->info_type != NULL) {
        /* one recursion unit, as the Python frame of _visit this replaces */
        if (Py_EnterRecursiveCall(" while building the semantic model"))
            return -1;
        r = visit_function(w, child, scope, func, calls, prefix, in_tc, depth);
        Py_LeaveRecursiveCall();
        return r;
    }
    if (r) {
        PyObject *depth_obj = PyLong_FromSsize_t(depth);
        if (depth_obj == NULL)
            return -1;
        PyObject *args[6] = {child, scope, func, prefix, in_tc, depth_obj};
        PyObject *res = PyObject_Vectorcall(w->visit, args, 6, NULL);
        Py_DECREF(depth_obj);
        if (res == NULL)
            return -1;
        Py_DECREF(res);
        return 0;
    }
    if (t == g_call) {
        if (PyDict_SetItem(w->call_scopes, child, scope) < 0)
            return -1;
        if (calls != NULL && PyList_Append(calls, child) < 0)
            return -1;
    }
    else if (flags & TF_NO_CHILDREN)
        return 0;
children:
    /* twice: the Python loop spends two frames (_visit, _visit_block) per level, and a tree too
       deep for it must be too deep here as well (the rules walk it in Python afterwards) */
    if (Py_EnterRecursiveCall(" while building the semantic model"))
        return -1;
    if (Py_EnterRecursiveCall(" while building the semantic model")) {
        Py_LeaveRecursiveCall();
        return -1;
    }
    r = visit_block(w, child, scope, func, calls, prefix, in_tc, depth);
    Py_LeaveRecursiveCall();
    Py_LeaveRecursiveCall();
    return r;
}

/* one child (already known to be an AST node) of `node`: into the walk at depth `below`, its
   parent recorded, then visited */
static int
visit_child(Walker *w, PyObject *child, PyObject *node, PyObject **level, PyObject *scope, PyObject *func,
            PyObject *calls, PyObject *prefix, PyObject *in_tc, Py_ssize_t below)
{
    if (*level == NULL) {
        *level = level_at(w->levels, below);
        if (*level == NULL)
            return -1;
    }
    if (PyList_Append(*level, child) < 0)
        return -1;
    if (PyDict_SetItem(w->parents, child, node) < 0)
        return -1;
    return visit_node(w, child, scope, func, calls, prefix, in_tc, below);
}

static int
visit_block(Walker *w, PyObject *node, PyObject *scope, PyObject *func, PyObject *calls, PyObject *prefix,
            PyObject *in_tc, Py_ssize_t depth)
{
    TypeEntry *entry = type_entry(Py_TYPE(node));
    if (entry == NULL)
        return -1;
    PyObject *fields = entry->fields;
    if (fields == NULL) { /* not an AST node: child_fields as before */
        fields = child_fields(Py_TYPE(node));
        if (fields == NULL)
            return -1;
    }
    else
        Py_INCREF(fields); /* a Python visit below may empty the cache */
    PyObject *level = NULL; /* borrowed: levels[depth + 1], fetched on the first child */
    Py_ssize_t n = PyTuple_GET_SIZE(fields);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = node_field(node, PyTuple_GET_ITEM(fields, i));
        if (value == NULL) {
            if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
                PyErr_Clear();
                continue;
            }
            goto fail;
        }
        int rc = 0;
        if (PyList_CheckExact(value)) {
            /* the list may not change while it is read (nothing here mutates the tree), but
               hold each item: a Python visit could in principle drop the list's reference */
            for (Py_ssize_t j = 0; j < PyList_GET_SIZE(value); j++) {
                PyObject *child = PyList_GET_ITEM(value, j);
                TypeEntry *ce = type_entry(Py_TYPE(child));
                if (ce == NULL) {
                    rc = -1;
                    break;
                }
                if (!(ce->flags & TF_AST))
                    continue;
                Py_INCREF(child);
                rc = visit_child(w, child, node, &level, scope, func, calls, prefix, in_tc, depth + 1);
                Py_DECREF(child);
                if (rc < 0)
                    break;
            }
        }
        else if (value != Py_None) {
            TypeEntry *ve = type_entry(Py_TYPE(value));
            if (ve == NULL)
                rc = -1;
            else if (ve->flags & TF_AST)
                rc = visit_child(w, value, node, &level, scope, func, calls, prefix, in_tc, depth + 1);
        }
        Py_DECREF(value);
        if (rc < 0)
            goto fail;
    }
    Py_DECREF(fields);
    return 0;
fail:
    Py_DECREF(fields);
    return -1;
}

/* func.calls (a new reference), or NULL without an error when func is None */
static int
calls_of(PyObject *func, PyObject **calls)
{
    *calls = NULL;
    if (func == Py_None)
        return 0;
    *calls = PyObject_GetAttr(func, g_str_calls);
    if (*calls == NULL)
        return -1;
    if (!PyList_Check(*calls)) {
        Py_CLEAR(*calls);
        PyErr_SetString(PyExc_TypeError, "func.calls must be a list");
        return -1;
    }
    return 0;
}

static PyObject *
Walker_call(Walker *w, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs != 6 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "Walker(node, scope, func, prefix, in_tc, depth)");
        return NULL;
    }
    Py_ssize_t depth = PyLong_AsSsize_t(args[5]);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    PyObject *calls;
    if (calls_of(args[2], &calls) < 0)
        return NULL;
    int rc = visit_block(w, args[0], args[1], args[2], calls, args[3], args[4], depth);
    Py_XDECREF(calls);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    Walker w; /* the references it holds */
} WalkerObject;

static PyObject *
WalkerObject_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    return Walker_call(&((WalkerObject *)self)->w, args, nargsf, kwnames);
}

/* ModuleModel._visit_all: children (a list) of parent, all at depth, into the walk's level */
static int
visit_all(Walker *w, PyObject *children, PyObject *parent, PyObject *level, PyObject *scope, PyObject *func,
          PyObject *calls, PyObject *prefix, PyObject *in_tc, Py_ssize_t depth)
{
    int rc = 0;
    for (Py_ssize_t j = 0; j < PyList_GET_SIZE(children) && rc == 0; j++) {
        PyObject *child = PyList_GET_ITEM(children, j);
        Py_INCREF(child);
        rc = PyDict_SetItem(w->parents, child, parent);
        if (rc == 0)
            rc = PyList_Append(level, child);
        if (rc == 0)
            rc = visit_node(w, child, scope, func, calls, prefix, in_tc, depth);
        Py_DECREF(child);
    }
    return rc;
}

static PyObject *
WalkerObject_visit_all(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    WalkerObject *o = (WalkerObject *)self;
    if (nargs != 8 || !PyList_Check(args[0]) || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "visit_all(children: list, parent, level: list, scope, func, prefix, in_tc, depth)");
        return NULL;
    }
    Py_ssize_t depth = PyLong_AsSsize_t(args[7]);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    PyObject *calls;
    if (calls_of(args[4], &calls) < 0)
        return NULL;
    int rc = visit_all(&o->w, args[0], args[1], args[2], args[3], args[4], calls, args[5], args[6], depth);
    Py_XDECREF(calls);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ModuleModel._walk_only: the nodes below node into the walk (levels below depth), nothing else */
static int
walk_only(PyObject *levels, PyObject *node, Py_ssize_t depth)
{
    PyObject *fields = child_fields(Py_TYPE(node));
    if (fields == NULL)
        return -1;
    PyObject *level = NULL;
    int rc = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(fields) && rc == 0; i++) {
        PyObject *value = PyObject_GetAttr(node, PyTuple_GET_ITEM(fields, i));
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
                rc = -1;
                break;
            }
            PyErr_Clear();
            continue;
        }
        Py_ssize_t n = PyList_Check(value) ? PyList_GET_SIZE(value) : 1;
        for (Py_ssize_t j = 0; j < n && rc == 0; j++) {
            PyObject *child = PyList_Check(value) ? PyList_GET_ITEM(value, j) : value;
            if (!PyObject_TypeCheck(child, g_ast))
                continue;
            if (level == NULL && (level = level_at(levels, depth + 1)) == NULL) {
                rc = -1;
                break;
            }
            Py_INCREF(child);
            rc = PyList_Append(level, child);
            if (rc == 0) {
                if (Py_EnterRecursiveCall(" while building the semantic model"))
                    rc = -1;
                else {
                    rc = walk_only(levels, child, depth + 1);
                    Py_LeaveRecursiveCall();
                }
            }
            Py_DECREF(child);
        }
        Py_DECREF(value);
    }
    Py_DECREF(fields);
    return rc;
}

static PyObject *
WalkerObject_walk_only(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "walk_only(node, depth)");
        return NULL;
    }
    Py_ssize_t depth = PyLong_AsSsize_t(args[1]);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    if (walk_only(((WalkerObject *)self)->w.levels, args[0], depth) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ModuleModel._visit_args: the fields of `a` (an ast.arguments at depth) in field order, into the
   walk at depth + 1; defaults analysed (their parent recorded) in the scope around the function,
   parameters (and their annotations) only walked */
static int
visit_args(Walker *w, PyObject *a, PyObject *scope, PyObject *func, PyObject *calls, PyObject *prefix, PyObject *in_tc,
           Py_ssize_t depth)
{
    PyObject *fields[7] = {g_str_posonlyargs, g_str_args, g_str_vararg, g_str_kwonlyargs, g_str_kw_defaults, g_str_kwarg, g_str_defaults};
    PyObject *level = NULL; /* borrowed: levels[depth + 1], fetched on the first child */
    int rc = 0;
    for (int f = 0; f < 7 && rc == 0; f++) {
        int analysed = fields[f] == g_str_kw_defaults || fields[f] == g_str_defaults;
        PyObject *value = PyObject_GetAttr(a, fields[f]);
        if (value == NULL) {
            rc = -1;
            break;
        }
        int is_list = PyList_Check(value);
        Py_ssize_t n = is_list ? PyList_GET_SIZE(value) : 1;
        for (Py_ssize_t j = 0; j < n && rc == 0; j++) {
            PyObject *child = is_list ? PyList_GET_ITEM(value, j) : value;
            if (child == Py_None)
                continue;
            Py_INCREF(child);
            if (analysed) /* a default: its parent recorded, then visited like any child */
                rc = visit_child(w, child, a, &level, scope, func, calls, prefix, in_tc, depth + 1);
            else if (level == NULL && (level = level_at(w->levels, depth + 1)) == NULL)
                rc = -1;
            else if ((rc = PyList_Append(level, child)) == 0)
                rc = walk_only(w->levels, child, depth + 1);
            Py_DECREF(child);
        }
        Py_DECREF(value);
    }
    return rc;
}

static PyObject *
WalkerObject_visit_args(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "visit_args(args, scope, func, prefix, in_tc, depth)");
        return NULL;
    }
    Py_ssize_t depth = PyLong_AsSsize_t(args[5]);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    PyObject *calls;
    if (calls_of(args[2], &calls) < 0)
        return NULL;
    int rc = visit_args(&((WalkerObject *)self)->w, args[0], args[1], args[2], calls, args[3], args[4], depth);
    Py_XDECREF(calls);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* the names of every parameter of `arguments` into the set `params` (semantic._all_args) */
static int
add_params(PyObject *params, PyObject *arguments)
{
    PyObject *lists[3] = {g_str_posonlyargs, g_str_args, g_str_kwonlyargs};
    for (int f = 0; f < 3; f++) {
        PyObject *items = PyObject_GetAttr(arguments, lists[f]);
        if (items == NULL)
            return -1;
        int rc = 0;
        Py_ssize_t n = PyObject_Length(items);
        if (n < 0)
            rc = -1;
        for (Py_ssize_t i = 0; i < n && rc == 0; i++) {
            PyObject *arg = PySequence_GetItem(items, i);
            PyObject *name = arg == NULL ? NULL : PyObject_GetAttr(arg, g_str_arg);
            rc = name == NULL ? -1 : PySet_Add(params, name);
            Py_XDECREF(name);
            Py_XDECREF(arg);
        }
        Py_DECREF(items);
        if (rc < 0)
            return -1;
    }
    PyObject *singles[2] = {g_str_vararg, g_str_kwarg};
    for (int f = 0; f < 2; f++) {
        PyObject *arg = PyObject_GetAttr(arguments, singles[f]);
        if (arg == NULL)
            return -1;
        int truthy = PyObject_IsTrue(arg);
        int rc = truthy;
        if (truthy > 0) {
            PyObject *name = PyObject_GetAttr(arg, g_str_arg);
            rc = name == NULL ? -1 : PySet_Add(params, name);
            Py_XDECREF(name);
        }
        Py_DECREF(arg);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* the FunctionDef / AsyncFunctionDef branch of ModuleModel._visit (node at depth): parameters
   and defaults, the name bound in `scope`, a Scope and a FunctionInfo for the function, its
   body in that scope, then the decorators (whose calls move in front of those made since
   `mark` in the enclosing function's list: Python evaluates them first), then the return
   annotation walked */
static int
visit_function(Walker *w, PyObject *node, PyObject *scope, PyObject *func, PyObject *calls, PyObject *prefix,
               PyObject *in_tc, Py_ssize_t depth)
{
    Py_ssize_t below = depth + 1;
    int rc = -1;
    PyObject *arguments = NULL, *returns = NULL, *name = NULL, *fscope = NULL, *params = NULL, *qualname = NULL,
             *kind = NULL, *class_name = NULL, *no_calls = NULL, *decorators = NULL, *decorator_nodes = NULL,
             *info = NULL, *body = NULL, *inner_prefix = NULL, *inner_calls = NULL;
    PyObject *level = level_at(w->levels, below); /* borrowed */
    if (level == NULL)
        return -1;
    if ((arguments = PyObject_GetAttr(node, g_str_args)) == NULL || PyList_Append(level, arguments) < 0)
        goto done;
    Py_ssize_t mark = calls != NULL ? PyList_GET_SIZE(calls) : 0;
    if (visit_args(w, arguments, scope, func, calls, prefix, in_tc, below) < 0)
        goto done;
    if ((returns = PyObject_GetAttr(node, g_str_returns)) == NULL)
        goto done;
    if (returns != Py_None && PyDict_SetItem(w->parents, returns, node) < 0)
        goto done;
    if ((name = PyObject_GetAttr(node, g_str_name)) == NULL || bind(w, scope, name, node) < 0)
        goto done;
    PyObject *scope_args[3] = {node, scope, g_str_function};
    if ((fscope = PyObject_Vectorcall(w->scope_type, scope_args, 3, NULL)) == NULL)
        goto done;
    if (PyDict_SetItem(w->scope_of_node, node, fscope) < 0)
        goto done;
    if ((params = PyObject_GetAttr(fscope, g_str_params)) == NULL || add_params(params, arguments) < 0)
        goto done;
    if ((qualname = PyUnicode_Concat(prefix, name)) == NULL || (kind = PyObject_GetAttr(scope, g_str_kind)) == NULL)
        goto done;
    int in_class = PyUnicode_Check(kind) && PyUnicode_CompareWithASCIIString(kind, "class") == 0;
    if (in_class) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(prefix);
        class_name = PyUnicode_Substring(prefix, 0, n > 0 ? n - 1 : 0); /* prefix[:-1] */
    }
    else {
        class_name = Py_None;
        Py_INCREF(class_name);
    }
    if (class_name == NULL || (no_calls = PyList_New(0)) == NULL)
        goto done;
    if ((decorators = PyObject_GetAttr(node, g_str_decorator_list)) == NULL || (decorator_nodes = PySequence_List(decorators)) == NULL)
        goto done;
    PyObject *info_args[7] = {node, qualname, fscope, class_name, no_calls, decorator_nodes,
                              Py_TYPE(node) == g_async_function_def ? Py_True : Py_False};
    if ((info = PyObject_Vectorcall(w->info_type, info_args, 6, g_kw_is_async)) == NULL)
        goto done;
    if (PyDict_SetItem(w->functions, node, info) < 0 || PyDict_SetDefault(w->by_qualname, qualname, info) == NULL)
        goto done;
    if ((body = PyObject_GetAttr(node, g_str_body)) == NULL || (inner_prefix = PyUnicode_Concat(qualname, g_str_dot)) == NULL)
        goto done;
    if (!PyList_Check(body) || !PyList_Check(decorators)) {
        PyErr_SetString(PyExc_TypeError, "a definition's body and decorator_list must be lists");
        goto done;
    }
    if (calls_of(info, &inner_calls) < 0)
        goto done;
    if (visit_all(w, body, node, level, fscope, info, inner_calls, inner_prefix, Py_False, below) < 0)
        goto done;
    /* ModuleModel._decorators */
    Py_ssize_t start = calls != NULL ? PyList_GET_SIZE(calls) : 0;
    if (visit_all(w, decorators, node, level, scope, func, calls, prefix, in_tc, below) < 0)
        goto done;
    if (calls != NULL && PyList_GET_SIZE(calls) > start && start > mark) {
        /* calls[mark:] = calls[start:] + calls[mark:start] */
        PyObject *moved = PyList_GetSlice(calls, start, PyList_GET_SIZE(calls));
        PyObject *kept = PyList_GetSlice(calls, mark, start);
        PyObject *both = moved && kept ? PySequence_Concat(moved, kept) : NULL;
        int set = both != NULL ? PyList_SetSlice(calls, mark, PyList_GET_SIZE(calls), both) : -1;
        Py_XDECREF(moved);
        Py_XDECREF(kept);
        Py_XDECREF(both);
        if (set < 0)
            goto done;
    }
    if (returns != Py_None && (PyList_Append(level, returns) < 0 || walk_only(w->levels, returns, below) < 0))
        goto done;
    rc = 0;
done:
    Py_XDECREF(arguments);
    Py_XDECREF(returns);
    Py_XDECREF(name);
    Py_XDECREF(fscope);
    Py_XDECREF(params);
    Py_XDECREF(qualname);
    Py_XDECREF(kind);
    Py_XDECREF(class_name);
    Py_XDECREF(no_calls);
    Py_XDECREF(decorators);
    Py_XDECREF(decorator_nodes);
    Py_XDECREF(info);
    Py_XDECREF(body);
    Py_XDECREF(inner_prefix);
    Py_XDECREF(inner_calls);
    return rc;
}

static PyMethodDef WalkerObject_methods[] = {
    {"visit_args", (PyCFunction)(void (*)(void))WalkerObject_visit_args, METH_FASTCALL,
     "visit_args(args, scope, func, prefix, in_tc, depth): ModuleModel._visit_args"},
    {"visit_all", (PyCFunction)(void (*)(void))WalkerObject_visit_all, METH_FASTCALL,
     "visit_all(children, parent, level, scope, func, prefix, in_tc, depth): ModuleModel._visit_all"},
    {"walk_only", (PyCFunction)(void (*)(void))WalkerObject_walk_only, METH_FASTCALL,
     "walk_only(node, depth): ModuleModel._walk_only"},
    {NULL, NULL, 0, NULL},
};

static PyObject *
WalkerObject_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *visit, *parents, *levels, *call_scopes, *module_scope;
    PyObject *functions = NULL, *by_qualname = NULL, *scope_of_node = NULL, *scope_type = NULL, *info_type = NULL;
    if (!PyArg_ParseTuple(args, "OO!O!O!O|O!O!O!OO:Walker", &visit, &PyDict_Type, &parents, &PyList_Type, &levels,
                          &PyDict_Type, &call_scopes, &module_scope, &PyDict_Type, &functions, &PyDict_Type, &by_qualname,
                          &PyDict_Type, &scope_of_node, &scope_type, &info_type))
        return NULL;
    if (info_type != NULL && (g_function_def == NULL || g_async_function_def == NULL)) {
        PyErr_SetString(PyExc_RuntimeError, "sls_lint._speedups: configure_model() was not given the definition types");
        return NULL;
    }
    if (g_fields_map == NULL || g_special == NULL || g_binders == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "sls_lint._speedups: configure() and configure_model() were not called");
        return NULL;
    }
    WalkerObject *o = (WalkerObject *)type->tp_alloc(type, 0);
    if (o == NULL)
        return NULL;
    o->vectorcall = WalkerObject_vectorcall;
    Py_INCREF(visit);
    o->w.visit = visit;
    Py_INCREF(parents);
    o->w.parents = parents;
    Py_INCREF(levels);
    o->w.levels = levels;
    Py_INCREF(call_scopes);
    o->w.call_scopes = call_scopes;
    Py_INCREF(module_scope);
    o->w.module_scope = module_scope;
    if (info_type != NULL) { /* all five given (the format makes the last ones optional together) */
        Py_INCREF(functions);
        o->w.functions = functions;
        Py_INCREF(by_qualname);
        o->w.by_qualname = by_qualname;
        Py_INCREF(scope_of_node);
        o->w.scope_of_node = scope_of_node;
        Py_INCREF(scope_type);
        o->w.scope_type = scope_type;
        Py_INCREF(info_type);
        o->w.info_type = info_type;
    }
    return (PyObject *)o;
}

static int
WalkerObject_traverse(WalkerObject *o, visitproc visit, void *arg)
{
    Py_VISIT(o->w.visit);
    Py_VISIT(o->w.parents);
    Py_VISIT(o->w.levels);
    Py_VISIT(o->w.call_scopes);
    Py_VISIT(o->w.module_scope);
    Py_VISIT(o->w.functions);
    Py_VISIT(o->w.by_qualname);
    Py_VISIT(o->w.scope_of_node);
    Py_VISIT(o->w.scope_type);
    Py_VISIT(o->w.info_type);
    return 0;
}

static int
WalkerObject_clear(WalkerObject *o)
{
    Py_CLEAR(o->w.visit);
    Py_CLEAR(o->w.parents);
    Py_CLEAR(o->w.levels);
    Py_CLEAR(o->w.call_scopes);
    Py_CLEAR(o->w.module_scope);
    Py_CLEAR(o->w.functions);
    Py_CLEAR(o->w.by_qualname);
    Py_CLEAR(o->w.scope_of_node);
    Py_CLEAR(o->w.scope_type);
    Py_CLEAR(o->w.info_type);
    return 0;
}

static void
WalkerObject_dealloc(WalkerObject *o)
{
    PyObject_GC_UnTrack(o);
    WalkerObject_clear(o);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyTypeObject WalkerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sls_lint._speedups.Walker",
    .tp_basicsize = sizeof(WalkerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Walker(visit, parents, levels, call_scopes, module_scope): ModuleModel._visit_block in C",
    .tp_new = WalkerObject_new,
    .tp_methods = WalkerObject_methods,
    .tp_traverse = (traverseproc)WalkerObject_traverse,
    .tp_clear = (inquiry)WalkerObject_clear,
    .tp_dealloc = (destructor)WalkerObject_dealloc,
    .tp_vectorcall_offset = offsetof(WalkerObject, vectorcall),
    .tp_call = PyVectorcall_Call,
};

static PyObject *
configure(PyObject *module, PyObject *args)
{
    PyObject *fields_map, *fields_fn, *ast_type;
    if (!PyArg_ParseTuple(args, "O!OO!:configure", &PyDict_Type, &fields_map, &fields_fn, &PyType_Type, &ast_type))
        return NULL;
    Py_INCREF(fields_map);
    Py_XSETREF(g_fields_map, fields_map);
    Py_INCREF(fields_fn);
    Py_XSETREF(g_fields_fn, fields_fn);
    Py_INCREF(ast_type);
    Py_XSETREF(g_ast, (PyTypeObject *)ast_type);
    tc_clear();
    Py_RETURN_NONE;
}

static PyObject *
configure_model(PyObject *module, PyObject *args)
{
    PyObject *terminal, *special, *no_children, *call_type, *binders, *types;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!:configure_model", &PyFrozenSet_Type, &terminal, &PyFrozenSet_Type, &special,
                          &PyFrozenSet_Type, &no_children, &PyType_Type, &call_type, &PyDict_Type, &binders,
                          &PyTuple_Type, &types))
        return NULL;
    PyTypeObject *name, *tuple, *list, *starred, *attribute, *if_, *function_def, *async_function_def;
    if (!PyArg_ParseTuple(types, "O!O!O!O!O!O!O!O!:configure_model types (Name, Tuple, List, Starred, Attribute, If, FunctionDef, AsyncFunctionDef)",
                          &PyType_Type, &name, &PyType_Type, &tuple, &PyType_Type, &list, &PyType_Type, &starred,
                          &PyType_Type, &attribute, &PyType_Type, &if_, &PyType_Type, &function_def, &PyType_Type,
                          &async_function_def))
        return NULL;
    Py_INCREF(terminal);
    Py_XSETREF(g_terminal, terminal);
    Py_INCREF(special);
    Py_XSETREF(g_special, special);
    Py_INCREF(no_children);
    Py_XSETREF(g_no_children, no_children);
    Py_INCREF(call_type);
    Py_XSETREF(g_call, (PyTypeObject *)call_type);
    Py_INCREF(binders);
    Py_XSETREF(g_binders, binders);
    PyTypeObject **slots[] = {&g_name, &g_tuple, &g_list, &g_starred, &g_attribute, &g_if, &g_function_def, &g_async_function_def};
    PyTypeObject *given[] = {name, tuple, list, starred, attribute, if_, function_def, async_function_def};
    for (int i = 0; i < 8; i++) {
        Py_INCREF(given[i]);
        Py_XSETREF(*slots[i], given[i]);
    }
    tc_clear();
    Py_RETURN_NONE;
}

/* astindex._walk: FIFO over a list that grows while it is read */
static PyObject *
walk(PyObject *module, PyObject *args)
{
    PyObject *tree, *leaves;
    if (!PyArg_ParseTuple(args, "OO!:walk", &tree, &PyFrozenSet_Type, &leaves))
        return NULL;
    if (g_fields_map == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "sls_lint._speedups.configure() was not called");
        return NULL;
    }
    PyObject *queue = PyList_New(0);
    if (queue == NULL || PyList_Append(queue, tree) < 0)
        goto fail;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(queue); k++) {
        PyObject *node = PyList_GET_ITEM(queue, k);
        PyObject *fields = child_fields(Py_TYPE(node));
        if (fields == NULL)
            goto fail;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(fields); i++) {
            PyObject *value = PyObject_GetAttr(node, PyTuple_GET_ITEM(fields, i));
            if (value == NULL) {
                if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
                    PyErr_Clear();
                    continue;
                }
                Py_DECREF(fields);
                goto fail;
            }
            int rc = 0;
            if (PyObject_TypeCheck(value, g_ast)) {
                int leaf = PySet_Contains(leaves, (PyObject *)Py_TYPE(value));
                rc = leaf < 0 ? -1 : (leaf ? 0 : PyList_Append(queue, value));
            }
            else if (PyList_Check(value)) {
                for (Py_ssize_t j = 0; j < PyList_GET_SIZE(value) && rc == 0; j++) {
                    PyObject *item = PyList_GET_ITEM(value, j);
                    if (!PyObject_TypeCheck(item, g_ast))
                        continue;
                    int leaf = PySet_Contains(leaves, (PyObject *)Py_TYPE(item));
                    rc = leaf < 0 ? -1 : (leaf ? 0 : PyList_Append(queue, item));
                }
            }
            Py_DECREF(value);
            if (rc < 0) {
                Py_DECREF(fields);
                goto fail;
            }
        }
        Py_DECREF(fields);
    }
    return queue;
fail:
    Py_XDECREF(queue);
    return NULL;
}

/* astindex.build's grouping: type -> the nodes of that type, in list order */
static PyObject *
group_by_type(PyObject *module, PyObject *nodes)
{
    if (!PyList_Check(nodes)) {
        PyErr_SetString(PyExc_TypeError, "group_by_type(list)");
        return NULL;
    }
    PyObject *found = PyDict_New();
    if (found == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(nodes); i++) {
        PyObject *node = PyList_GET_ITEM(nodes, i);
        PyObject *t = (PyObject *)Py_TYPE(node);
        PyObject *bucket = PyDict_GetItemWithError(found, t);
        if (bucket == NULL) {
            if (PyErr_Occurred())
                goto fail;
            bucket = PyList_New(0);
            if (bucket == NULL)
                goto fail;
            int rc = PyDict_SetItem(found, t, bucket);
            Py_DECREF(bucket);
            if (rc < 0)
                goto fail;
        }
        if (PyList_Append(bucket, node) < 0)
            goto fail;
    }
    return found;
fail:
    Py_DECREF(found);
    return NULL;
}

/* group_by_field(nodes, name, wanted) -> {v: [n for n in nodes if n.<name> == v]} for the values
   v in `wanted` (any container: a dict, a set), each list in list order; a node without the
   field is left out (e.g. a module's Name nodes by identifier, for the identifiers asked about) */
static PyObject *
group_by_field(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "group_by_field(nodes: list, name: str, wanted)");
        return NULL;
    }
    PyObject *nodes = args[0], *name = args[1], *wanted = args[2];
    PyObject *found = PyDict_New();
    if (found == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(nodes); i++) {
        PyObject *node = PyList_GET_ITEM(nodes, i);
        Py_INCREF(node);
        PyObject *value = node_field(node, name);
        if (value == NULL) {
            Py_DECREF(node);
            if (!PyErr_ExceptionMatches(PyExc_AttributeError))
                goto fail;
            PyErr_Clear();
            continue;
        }
        int in = PySequence_Contains(wanted, value);
        int rc = 0;
        if (in < 0)
            rc = -1;
        else if (in) {
            PyObject *bucket = PyDict_GetItemWithError(found, value);
            if (bucket == NULL) {
                if (PyErr_Occurred())
                    rc = -1;
                else if ((bucket = PyList_New(0)) == NULL)
                    rc = -1;
                else {
                    rc = PyDict_SetItem(found, value, bucket);
                    Py_DECREF(bucket);
                }
            }
            if (rc == 0)
                rc = PyList_Append(bucket, node);
        }
        Py_DECREF(value);
        Py_DECREF(node);
        if (rc < 0)
            goto fail;
    }
    return found;
fail:
    Py_DECREF(found);
    return NULL;
}

/* of_types(nodes, types) -> [node for node in nodes if type(node) in types] (exact types, list
   order kept): a whole-walk filter for a few node types, e.g. pyast's imports in walk order */
static PyObject *
of_types(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "of_types(nodes: list, types: tuple)");
        return NULL;
    }
    PyObject *nodes = args[0], *types = args[1];
    Py_ssize_t ntypes = PyTuple_GET_SIZE(types);
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(nodes); i++) {
        PyObject *node = PyList_GET_ITEM(nodes, i);
        PyObject *t = (PyObject *)Py_TYPE(node);
        for (Py_ssize_t k = 0; k < ntypes; k++) {
            if (PyTuple_GET_ITEM(types, k) == t) {
                if (PyList_Append(out, node) < 0) {
                    Py_DECREF(out);
                    return NULL;
                }
                break;
            }
        }
    }
    return out;
}

/* long_strings(nodes, min_len) -> [n for n in nodes if type(n.value) in (str, bytes) and
   len(n.value) >= min_len] (list order kept): the string literals worth a secret scan, out of a
   module's Constant nodes (most are short keys, numbers, None) */
static PyObject *
long_strings(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_Check(args[0]) || !PyLong_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "long_strings(nodes: list, min_len: int)");
        return NULL;
    }
    PyObject *nodes = args[0];
    Py_ssize_t min_len = PyLong_AsSsize_t(args[1]);
    if (min_len == -1 && PyErr_Occurred())
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(nodes); i++) {
        PyObject *node = PyList_GET_ITEM(nodes, i);
        Py_INCREF(node);
        PyObject *value = node_field(node, g_str_value);
        Py_DECREF(node);
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError))
                goto fail;
            PyErr_Clear();
            continue;
        }
        Py_ssize_t n = PyUnicode_Check(value) ? PyUnicode_GET_LENGTH(value) : PyBytes_Check(value) ? PyBytes_GET_SIZE(value) : -1;
        Py_DECREF(value);
        if (n >= min_len && PyList_Append(out, node) < 0)
            goto fail;
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* the tokens of `tokens` (a tuple; none with whitespace) that `chunk` contains, as a tuple */
static PyObject *
contained(PyObject *chunk, PyObject *tokens)
{
    Py_ssize_t n = PyTuple_GET_SIZE(tokens), k = 0;
    PyObject *fresh = PyTuple_New(n);
    if (fresh == NULL)
        return NULL;
    for (Py_ssize_t t = 0; t < n; t++) {
        PyObject *tok = PyTuple_GET_ITEM(tokens, t);
        int in = PyUnicode_Contains(chunk, tok);
        if (in < 0) {
            Py_DECREF(fresh);
            return NULL;
        }
        if (in) {
            Py_INCREF(tok);
            PyTuple_SET_ITEM(fresh, k++, tok);
        }
    }
    if (k < n && _PyTuple_Resize(&fresh, k) < 0)
        return NULL;
    return fresh;
}

/* For each distinct chunk of `text` (str.split()'s maximal runs of non-whitespace): memo[chunk],
   computed on a miss (and remembered; the memo is cleared once it holds max_memo chunks) as the
   tokens of the tuple `what` the chunk contains, or as what(chunk) when `what` is a callable
   returning a tuple. Returns the set of everything found. engine.Prefilter passes its tokens,
   importcost's word index a function giving the project module stems among the chunk's words. */
static PyObject *
chunk_tokens(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyUnicode_Check(args[0]) || !PyDict_Check(args[1]) || !(PyTuple_Check(args[2]) || PyCallable_Check(args[2]))) {
        PyErr_SetString(PyExc_TypeError, "chunk_tokens(text: str, memo: dict, tokens: tuple | callable, max_memo: int)");
        return NULL;
    }
    PyObject *text = args[0], *memo = args[1], *what = args[2];
    int by_call = !PyTuple_Check(what);
    Py_ssize_t max_memo = PyLong_AsSsize_t(args[3]);
    if (max_memo == -1 && PyErr_Occurred())
        return NULL;
#if PY_VERSION_HEX < 0x030C0000 /* every str is ready from 3.12 on (the call is deprecated) */
    if (PyUnicode_READY(text) < 0)
        return NULL;
#endif
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    PyObject *found = PySet_New(NULL);
    if (found == NULL)
        return NULL;
    Py_ssize_t i = 0;
    while (i < len) {
        while (i < len && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            i++;
        if (i >= len)
            break;
        Py_ssize_t start = i;
        while (i < len && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            i++;
        PyObject *chunk = PyUnicode_Substring(text, start, i);
        if (chunk == NULL)
            goto fail;
        PyObject *hit = PyDict_GetItemWithError(memo, chunk); /* borrowed */
        if (hit != NULL)
            Py_INCREF(hit);
        else {
            if (PyErr_Occurred()) {
                Py_DECREF(chunk);
                goto fail;
            }
            if (PyDict_GET_SIZE(memo) >= max_memo)
                PyDict_Clear(memo);
            hit = by_call ? PyObject_CallOneArg(what, chunk) : contained(chunk, what);
            if (hit != NULL && !PyTuple_Check(hit)) {
                Py_DECREF(hit);
                PyErr_SetString(PyExc_TypeError, "chunk_tokens: the function must return a tuple");
                hit = NULL;
            }
            if (hit == NULL || PyDict_SetItem(memo, chunk, hit) < 0) {
                Py_XDECREF(hit);
                Py_DECREF(chunk);
                goto fail;
            }
        }
        Py_DECREF(chunk);
        int rc = 0;
        for (Py_ssize_t t = 0; t < PyTuple_GET_SIZE(hit) && rc == 0; t++)
            rc = PySet_Add(found, PyTuple_GET_ITEM(hit, t));
        Py_DECREF(hit);
        if (rc < 0)
            goto fail;
    }
    return found;
fail:
    Py_DECREF(found);
    return NULL;
}

/* ---------------------------------------------------------------- token matcher */

/* token_matcher(tokens, words=False) -> matcher and find_tokens(matcher, text) -> set: the
   tokens of the tuple that occur in `text` as substrings, exactly {t for t in tokens if t in
   text}, in one pass over the text; with `words`, those that occur as a word (a maximal run of
   word characters: {t for t in tokens if t in re.findall(r"\w+", text)}). Every token is a
   non-empty ASCII str (engine.Prefilter and importcost check). A token of one character is
   looked up by that character, a longer one by its first two (a bucket per ASCII pair), then
   compared; a non-ASCII character of the text starts no token. With `words`, each word of the
   text is looked up whole in a hash table of the tokens instead. */

#define TM_CAPSULE "sls_lint._speedups.token_matcher"
#define TM_PAIRS (128 * 128)

typedef struct {
    Py_ssize_t n;
    int words;              /* find whole words (maximal runs of word characters) only */
    PyObject *tokens;       /* the tuple (owned): the found ones are returned from it */
    const char **chars;     /* each token's ASCII characters (the str objects' own data) */
    Py_ssize_t *lens;
    uint32_t start1[129];   /* tokens of one character: idx1[start1[c] .. start1[c + 1]) */
    uint32_t *idx1;
    uint32_t *start2;       /* longer tokens by their first two characters, the same way */
    uint32_t *idx2;
    uint32_t *table;        /* words: open addressing by TM_HASH of the token, token + 1 (0: empty) */
    size_t mask;
} TokenMatcher;

#define TM_HASH_START 2166136261u
#define TM_HASH(h, ch) (((h) ^ (uint32_t)(ch)) * 16777619u) /* FNV-1a, one character at a time */
/* a character of \w (the re module's word characters: str.isalnum() or _) */
#define TM_WORD(ch) ((ch) < 128 ? tm_ascii_word[(ch)] : Py_UNICODE_ISALNUM(ch))
static char tm_ascii_word[128];

static void
token_matcher_free(TokenMatcher *tm)
{
    if (tm == NULL)
        return;
    Py_XDECREF(tm->tokens);
    PyMem_Free(tm->chars);
    PyMem_Free(tm->lens);
    PyMem_Free(tm->idx1);
    PyMem_Free(tm->start2);
    PyMem_Free(tm->idx2);
    PyMem_Free(tm->table);
    PyMem_Free(tm);
}

static void
token_matcher_destroy(PyObject *capsule)
{
    token_matcher_free((TokenMatcher *)PyCapsule_GetPointer(capsule, TM_CAPSULE));
}

static PyObject *
token_matcher(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *tokens = nargs >= 1 ? args[0] : NULL;
    int words = 0;
    if (nargs == 2 && (words = PyObject_IsTrue(args[1])) < 0)
        return NULL;
    if (nargs < 1 || nargs > 2 || !PyTuple_Check(tokens)) {
        PyErr_SetString(PyExc_TypeError, "token_matcher(tokens: tuple of str, words: bool = False)");
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(tokens);
    if (n > (Py_ssize_t)UINT32_MAX - 1) {
        PyErr_SetString(PyExc_ValueError, "token_matcher: too many tokens");
        return NULL;
    }
    TokenMatcher *tm = PyMem_Calloc(1, sizeof(TokenMatcher));
    if (tm == NULL)
        return PyErr_NoMemory();
    Py_INCREF(tokens);
    tm->tokens = tokens;
    tm->n = n;
    tm->words = words;
    tm->chars = PyMem_Calloc(n ? n : 1, sizeof(char *));
    tm->lens = PyMem_Calloc(n ? n : 1, sizeof(Py_ssize_t));
    tm->idx1 = PyMem_Calloc(n ? n : 1, sizeof(uint32_t));
    tm->idx2 = PyMem_Calloc(n ? n : 1, sizeof(uint32_t));
    tm->start2 = PyMem_Calloc(TM_PAIRS + 1, sizeof(uint32_t));
    if (!tm->chars || !tm->lens || !tm->idx1 || !tm->idx2 || !tm->start2) {
        token_matcher_free(tm);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t t = 0; t < n; t++) {
        PyObject *tok = PyTuple_GET_ITEM(tokens, t);
        if (!PyUnicode_Check(tok) || !PyUnicode_IS_ASCII(tok) || PyUnicode_GET_LENGTH(tok) == 0) {
            PyErr_SetString(PyExc_ValueError, "token_matcher: every token must be a non-empty ASCII str");
            token_matcher_free(tm);
            return NULL;
        }
        tm->chars[t] = (const char *)PyUnicode_DATA(tok);
        tm->lens[t] = PyUnicode_GET_LENGTH(tok);
    }
    /* counting sort of the tokens into their buckets (tuple order kept inside a bucket) */
    for (Py_ssize_t t = 0; t < n; t++) {
        const unsigned char *c = (const unsigned char *)tm->chars[t];
        if (tm->lens[t] == 1)
            tm->start1[c[0] + 1]++;
        else
            tm->start2[c[0] * 128 + c[1] + 1]++;
    }
    for (int b = 0; b < 128; b++)
        tm->start1[b + 1] += tm->start1[b];
    for (int b = 0; b < TM_PAIRS; b++)
        tm->start2[b + 1] += tm->start2[b];
    uint32_t fill1[128], *fill2 = PyMem_Malloc(TM_PAIRS * sizeof(uint32_t));
    if (fill2 == NULL) {
        token_matcher_free(tm);
        return PyErr_NoMemory();
    }
    memcpy(fill1, tm->start1, sizeof(fill1));
    memcpy(fill2, tm->start2, TM_PAIRS * sizeof(uint32_t));
    for (Py_ssize_t t = 0; t < n; t++) {
        const unsigned char *c = (const unsigned char *)tm->chars[t];
        if (tm->lens[t] == 1)
            tm->idx1[fill1[c[0]]++] = (uint32_t)t;
        else
            tm->idx2[fill2[c[0] * 128 + c[1]]++] = (uint32_t)t;
    }
    PyMem_Free(fill2);
    if (words) {
        size_t size = 8;
        while (size < 2 * (size_t)n)
            size *= 2;
        tm->mask = size - 1;
        tm->table = PyMem_Calloc(size, sizeof(uint32_t));
        if (tm->table == NULL) {
            token_matcher_free(tm);
            return PyErr_NoMemory();
        }
        for (Py_ssize_t t = 0; t < n; t++) {
            uint32_t h = TM_HASH_START;
            for (Py_ssize_t j = 0; j < tm->lens[t]; j++)
                h = TM_HASH(h, (unsigned char)tm->chars[t][j]);
            size_t at = h & tm->mask;
            while (tm->table[at] != 0)
                at = (at + 1) & tm->mask;
            tm->table[at] = (uint32_t)t + 1;
        }
    }
    PyObject *capsule = PyCapsule_New(tm, TM_CAPSULE, token_matcher_destroy);
    if (capsule == NULL)
        token_matcher_free(tm);
    return capsule;
}

/* the scan, for one str kind: marks found[t] for every token that starts at some position */
#define TM_SCAN(TYPE)                                                                        \
    {                                                                                        \
        const TYPE *s = (const TYPE *)data;                                                  \
        for (Py_ssize_t i = 0; i < len && left > 0; i++) {                                   \
            Py_UCS4 c0 = s[i];                                                               \
            if (c0 >= 128)                                                                   \
                continue;                                                                    \
            for (uint32_t k = tm->start1[c0]; k < tm->start1[c0 + 1]; k++)                   \
                if (!found[tm->idx1[k]]) {                                                   \
                    found[tm->idx1[k]] = 1;                                                  \
                    left--;                                                                  \
                }                                                                            \
            if (i + 1 >= len || s[i + 1] >= 128)                                             \
                continue;                                                                    \
            Py_ssize_t pair = c0 * 128 + s[i + 1];                                           \
            for (uint32_t k = tm->start2[pair]; k < tm->start2[pair + 1]; k++) {             \
                uint32_t t = tm->idx2[k];                                                    \
                Py_ssize_t tl = tm->lens[t];                                                 \
                if (found[t] || i + tl > len)                                                \
                    continue;                                                                \
                const unsigned char *c = (const unsigned char *)tm->chars[t];                \
                Py_ssize_t j = 2;                                                            \
                while (j < tl && s[i + j] == c[j])                                           \
                    j++;                                                                     \
                if (j == tl) {                                                               \
                    found[t] = 1;                                                            \
                    left--;                                                                  \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }

/* the words scan, for one str kind: each maximal run of word characters that is all ASCII is
   looked up whole in the table */
#define TM_SCAN_WORDS(TYPE)                                                                  \
    {                                                                                        \
        const TYPE *s = (const TYPE *)data;                                                  \
        Py_ssize_t i = 0;                                                                    \
        while (i < len && left > 0) {                                                        \
            if (!TM_WORD(s[i])) {                                                            \
                i++;                                                                         \
                continue;                                                                    \
            }                                                                                \
            Py_ssize_t start = i;                                                            \
            uint32_t h = TM_HASH_START;                                                      \
            int ascii = 1;                                                                   \
            for (; i < len && TM_WORD(s[i]); i++) {                                          \
                if (s[i] >= 128)                                                             \
                    ascii = 0;                                                               \
                h = TM_HASH(h, s[i]);                                                        \
            }                                                                                \
            if (!ascii)                                                                      \
                continue;                                                                    \
            Py_ssize_t wl = i - start;                                                       \
            for (size_t at = h & tm->mask; tm->table[at] != 0; at = (at + 1) & tm->mask) {  \
                uint32_t t = tm->table[at] - 1;                                              \
                if (tm->lens[t] != wl)                                                       \
                    continue;                                                                \
                const unsigned char *c = (const unsigned char *)tm->chars[t];                \
                Py_ssize_t j = 0;                                                            \
                while (j < wl && s[start + j] == c[j])                                       \
                    j++;                                                                     \
                if (j == wl) {                                                               \
                    if (!found[t]) {                                                         \
                        found[t] = 1;                                                        \
                        left--;                                                              \
                    }                                                                        \
                    break;                                                                   \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }

static PyObject *
find_tokens(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "find_tokens(matcher, text: str)");
        return NULL;
    }
    TokenMatcher *tm = (TokenMatcher *)PyCapsule_GetPointer(args[0], TM_CAPSULE);
    if (tm == NULL)
        return NULL;
    PyObject *text = args[1];
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0)
        return NULL;
#endif
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    char *found = PyMem_Calloc(tm->n ? tm->n : 1, 1);
    if (found == NULL)
        return PyErr_NoMemory();
    Py_ssize_t left = tm->n;
    if (tm->words) {
        if (kind == PyUnicode_1BYTE_KIND)
            TM_SCAN_WORDS(Py_UCS1)
        else if (kind == PyUnicode_2BYTE_KIND)
            TM_SCAN_WORDS(Py_UCS2)
        else
            TM_SCAN_WORDS(Py_UCS4)
    }
    else if (kind == PyUnicode_1BYTE_KIND)
        TM_SCAN(Py_UCS1)
    else if (kind == PyUnicode_2BYTE_KIND)
        TM_SCAN(Py_UCS2)
    else
        TM_SCAN(Py_UCS4)
    PyObject *out = PySet_New(NULL);
    for (Py_ssize_t t = 0; out != NULL && t < tm->n; t++)
        if (found[t] && PySet_Add(out, PyTuple_GET_ITEM(tm->tokens, t)) < 0)
            Py_CLEAR(out);
    PyMem_Free(found);
    return out;
}

/* ---------------------------------------------------------------- qualified names */

typedef struct {
    PyObject *module_scope, *module_name, *functions, *builtins, *def_types;
} NameCtx;

/* Scope.binds */
static int
scope_binds(PyObject *scope, PyObject *name)
{
    PyObject *fields[3] = {g_str_bindings, g_str_imports, g_str_params};
    for (int i = 0; i < 3; i++) {
        PyObject *v = PyObject_GetAttr(scope, fields[i]);
        if (v == NULL)
            return -1;
        int r = PySequence_Contains(v, name);
        Py_DECREF(v);
        if (r != 0)
            return r;
    }
    return 0;
}

/* ModuleModel.lookup: the scope binding `name` seen from `scope` (a new reference), Py_None
   (a new reference) when none does, NULL on an error */
static PyObject *
lookup(NameCtx *c, PyObject *name, PyObject *scope)
{
    Py_INCREF(scope);
    PyObject *s = scope;
    int first = 1;
    while (s != Py_None) {
        PyObject *globals = PyObject_GetAttr(s, g_str_globals);
        if (globals == NULL)
            goto fail;
        int g = PySequence_Contains(globals, name);
        Py_DECREF(globals);
        if (g < 0)
            goto fail;
        if (g) {
            Py_DECREF(s);
            int b = scope_binds(c->module_scope, name);
            if (b < 0)
                return NULL;
            PyObject *out = b ? c->module_scope : Py_None;
            Py_INCREF(out);
            return out;
        }
        int consider = first;
        if (!consider) {
            PyObject *kind = PyObject_GetAttr(s, g_str_kind);
            if (kind == NULL)
                goto fail;
            int is_class = PyUnicode_Check(kind) && PyUnicode_CompareWithASCIIString(kind, "class") == 0;
            Py_DECREF(kind);
            consider = !is_class;
        }
        if (consider) {
            int b = scope_binds(s, name);
            if (b < 0)
                goto fail;
            if (b)
                return s;
        }
        first = 0;
        PyObject *parent = PyObject_GetAttr(s, g_str_parent);
        Py_DECREF(s);
        if (parent == NULL)
            return NULL;
        s = parent;
    }
    return s; /* Py_None, with the reference taken above */
fail:
    Py_DECREF(s);
    return NULL;
}

/* the part of ModuleModel.qualified_name for a Name */
static PyObject *
qualified_ident(NameCtx *c, PyObject *ident, PyObject *scope)
{
    PyObject *s = lookup(c, ident, scope);
    if (s == NULL)
        return NULL;
    if (s == Py_None) {
        Py_DECREF(s);
        int b = PySequence_Contains(c->builtins, ident);
        if (b < 0)
            return NULL;
        PyObject *out = b ? ident : Py_None;
        Py_INCREF(out);
        return out;
    }
    PyObject *out = NULL, *imports = NULL, *bindings = NULL, *kind = NULL;
    imports = PyObject_GetAttr(s, g_str_imports);
    bindings = imports == NULL ? NULL : PyObject_GetAttr(s, g_str_bindings);
    if (bindings == NULL)
        goto done;
    PyObject *imported = PyDict_Check(imports) ? PyDict_GetItemWithError(imports, ident) : NULL; /* borrowed */
    if (imported == NULL && PyErr_Occurred())
        goto done;
    if (!PyDict_Check(imports) || !PyDict_Check(bindings)) {
        PyErr_SetString(PyExc_TypeError, "Scope.imports and Scope.bindings must be dicts");
        goto done;
    }
    PyObject *nodes = PyDict_GetItemWithError(bindings, ident); /* borrowed */
    if (nodes == NULL && PyErr_Occurred())
        goto done;
    if (imported != NULL && nodes == NULL) {
        out = imported;
        Py_INCREF(out);
        goto done;
    }
    Py_ssize_t n = nodes == NULL ? 0 : PyObject_Length(nodes);
    if (n < 0)
        goto done;
    if (s == c->module_scope) {
        if (n > 0) {
            int all_defs = 1;
            for (Py_ssize_t i = 0; i < n && all_defs; i++) {
                PyObject *node = PySequence_GetItem(nodes, i);
                if (node == NULL)
                    goto done;
                int r = PyObject_IsInstance(node, c->def_types);
                Py_DECREF(node);
                if (r < 0)
                    goto done;
                all_defs = r;
            }
            if (all_defs) {
                out = PyUnicode_FromFormat("%U.%U", c->module_name, ident);
                goto done;
            }
        }
        out = imported != NULL ? imported : Py_None;
        Py_INCREF(out);
        goto done;
    }
    kind = PyObject_GetAttr(s, g_str_kind);
    if (kind == NULL)
        goto done;
    if (n == 1 && PyUnicode_Check(kind) && PyUnicode_CompareWithASCIIString(kind, "function") == 0) {
        PyObject *node = PySequence_GetItem(nodes, 0);
        if (node == NULL)
            goto done;
        PyObject *info = PyDict_Check(c->functions) ? PyDict_GetItemWithError(c->functions, node) : NULL; /* borrowed */
        Py_DECREF(node);
        if (info == NULL && PyErr_Occurred())
            goto done;
        if (info != NULL) {
            PyObject *qualname = PyObject_GetAttr(info, g_str_qualname);
            if (qualname == NULL)
                goto done;
            out = PyUnicode_FromFormat("%U.%U", c->module_name, qualname);
            Py_DECREF(qualname);
            goto done;
        }
    }
    out = Py_None;
    Py_INCREF(out);
done:
    Py_XDECREF(kind);
    Py_XDECREF(bindings);
    Py_XDECREF(imports);
    Py_DECREF(s);
    return out;
}

static PyObject *
qualified(NameCtx *c, PyObject *expr, PyObject *scope)
{
    if (PyObject_TypeCheck(expr, g_name)) {
        PyObject *ident = PyObject_GetAttr(expr, g_str_id);
        if (ident == NULL)
            return NULL;
        PyObject *out = qualified_ident(c, ident, scope);
        Py_DECREF(ident);
        return out;
    }
    if (PyObject_TypeCheck(expr, g_attribute)) {
        PyObject *value = PyObject_GetAttr(expr, g_str_value);
        if (value == NULL)
            return NULL;
        if (Py_EnterRecursiveCall(" while resolving a qualified name")) {
            Py_DECREF(value);
            return NULL;
        }
        PyObject *base = qualified(c, value, scope);
        Py_LeaveRecursiveCall();
        Py_DECREF(value);
        if (base == NULL)
            return NULL;
        int truthy = PyObject_IsTrue(base);
        if (truthy <= 0) {
            Py_DECREF(base);
            if (truthy < 0)
                return NULL;
            Py_RETURN_NONE;
        }
        PyObject *attr = PyObject_GetAttr(expr, g_str_attr);
        PyObject *out = attr == NULL ? NULL : PyUnicode_FromFormat("%S.%S", base, attr);
        Py_XDECREF(attr);
        Py_DECREF(base);
        return out;
    }
    Py_RETURN_NONE;
}

/* ModuleModel.qualified_name(expr, scope) */
static PyObject *
qualified_name(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7 || !PyUnicode_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "qualified_name(expr, scope, module_scope, module_name, functions, builtins, def_types)");
        return NULL;
    }
    NameCtx c = {args[2], args[3], args[4], args[5], args[6]};
    return qualified(&c, args[0], args[1]);
}

/* the engine's rule dispatch over one module (engine.Analysis._module_raw): for each node of
   `walk` whose type has entries in `table` (type -> [(rule, visit), ...]), in walk order, each
   entry's visit(node, ctx) with ctx.rule set to its rule. For a Call, when `by_name` is a dict,
   the entries are by_name[(call_name(node), method or None)], computed on a miss as
   call_rules(table[Call], name, method). With `terminals` (a set; else None), call_name is
   asked only for a call whose method, or callee name, is in it, or whose callee name is in
   `aliased`; the others count as unnamed (None), as engine._screened_call_name decides */
static PyObject *
dispatch(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8 || !PyList_Check(args[0]) || !PyDict_Check(args[1]) || (args[2] != Py_None && !PyDict_Check(args[2]))
        || (args[6] != Py_None && (!PyAnySet_Check(args[6]) || !PyAnySet_Check(args[7])))) {
        PyErr_SetString(PyExc_TypeError, "dispatch(walk: list, table: dict, by_name: dict | None, call_name, call_rules, ctx, "
                                         "terminals: frozenset | None, aliased: set)");
        return NULL;
    }
    PyObject *walk = args[0], *table = args[1], *by_name = args[2], *call_name = args[3], *call_rules = args[4], *ctx = args[5];
    PyObject *terminals = args[6], *aliased = args[7];
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(walk); i++) {
        PyObject *node = PyList_GET_ITEM(walk, i);
        PyTypeObject *t = Py_TYPE(node);
        PyObject *entries = PyDict_GetItemWithError(table, (PyObject *)t); /* borrowed */
        if (entries == NULL) {
            if (PyErr_Occurred())
                return NULL;
            continue;
        }
        Py_INCREF(node);
        Py_INCREF(entries);
        if (by_name != Py_None && t == g_call) {
            PyObject *key = NULL, *found = NULL, *name = NULL, *attr = NULL;
            PyObject *func = PyObject_GetAttr(node, g_str_func);
            if (func != NULL) {
                if (Py_TYPE(func) == g_attribute)
                    attr = PyObject_GetAttr(func, g_str_attr);
                else {
                    attr = Py_None;
                    Py_INCREF(attr);
                }
            }
            if (attr != NULL) {
                /* with terminals: the name is resolved only when it can end in one of them (the
                   method of x.m(...), the callee of f(...) or an import under another name),
                   engine._screened_call_name */
                int wanted = 1;
                if (terminals != Py_None) {
                    if (Py_TYPE(func) == g_attribute)
                        wanted = PySet_Contains(terminals, attr);
                    else if (Py_TYPE(func) == g_name) {
                        PyObject *id = PyObject_GetAttr(func, g_str_id);
                        wanted = id == NULL ? -1 : PySet_Contains(terminals, id);
                        if (wanted == 0)
                            wanted = PySet_Contains(aliased, id);
                        Py_XDECREF(id);
                    }
                    else
                        wanted = 0;
                }
                if (wanted > 0)
                    name = PyObject_CallOneArg(call_name, node);
                else if (wanted == 0) {
                    name = Py_None;
                    Py_INCREF(name);
                }
            }
            Py_XDECREF(func);
            if (name == NULL)
                Py_CLEAR(attr);
            if (attr != NULL)
                key = PyTuple_Pack(2, name, attr);
            if (key != NULL) {
                found = PyDict_GetItemWithError(by_name, key);
                if (found != NULL)
                    Py_INCREF(found);
                else if (!PyErr_Occurred()) {
                    PyObject *cargs[3] = {entries, name, attr};
                    found = PyObject_Vectorcall(call_rules, cargs, 3, NULL);
                    if (found != NULL && PyDict_SetItem(by_name, key, found) < 0)
                        Py_CLEAR(found);
                }
            }
            Py_XDECREF(key);
            Py_XDECREF(attr);
            Py_XDECREF(name);
            Py_DECREF(entries);
            entries = found;
            if (entries == NULL) {
                Py_DECREF(node);
                return NULL;
            }
        }
        PyObject *seq = PySequence_Fast(entries, "dispatch entries must be a sequence");
        Py_DECREF(entries);
        if (seq == NULL) {
            Py_DECREF(node);
            return NULL;
        }
        int rc = 0;
        for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(seq) && rc == 0; j++) {
            PyObject *entry = PySequence_Fast_GET_ITEM(seq, j);
            if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2) {
                PyErr_SetString(PyExc_TypeError, "dispatch entries must be (rule, visit) pairs");
                rc = -1;
                break;
            }
            if (PyObject_SetAttr(ctx, g_str_rule, PyTuple_GET_ITEM(entry, 0)) < 0) {
                rc = -1;
                break;
            }
            PyObject *vargs[2] = {node, ctx};
            PyObject *res = PyObject_Vectorcall(PyTuple_GET_ITEM(entry, 1), vargs, 2, NULL);
            if (res == NULL)
                rc = -1;
            else
                Py_DECREF(res);
        }
        Py_DECREF(seq);
        Py_DECREF(node);
        if (rc < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* keep_heap() -> bool: glibc trims the top of its heap (returns it to the system) whenever the
   free space there exceeds M_TRIM_THRESHOLD (128 KiB at first, adjusted as mmapped blocks are
   freed). Building a module's model allocates and frees dict tables and lists of a few hundred
   KiB at that top, so a run of thousands of modules shrinks and regrows the heap over and over:
   every regrown page is a fresh page fault (measured: 330,000 faults for 775 MB of models instead
   of 200,000). With the threshold at its maximum the heap only grows. For a process that ends
   after one run (the memory goes back at exit); never for a long-lived one such as the LSP.
   False (nothing done) without glibc. */
static PyObject *
keep_heap(PyObject *self, PyObject *Py_UNUSED(ignored))
{
#if defined(__GLIBC__)
    if (mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1)
        Py_RETURN_TRUE;
#endif
    Py_RETURN_FALSE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "configure(child_fields_map, child_fields, ast_type)"},
    {"configure_model", configure_model, METH_VARARGS,
     "configure_model(terminal, special, no_children, call_type, binders, (Name, Tuple, List, Starred, Attribute, If, FunctionDef, AsyncFunctionDef))"},
    {"walk", walk, METH_VARARGS, "walk(tree, leaves) -> list: ast.walk's order, leaves left out"},
    {"group_by_type", group_by_type, METH_O, "group_by_type(nodes) -> {type: [nodes]} in list order"},
    {"of_types", (PyCFunction)(void (*)(void))of_types, METH_FASTCALL, "of_types(nodes, types) -> the nodes of exactly those types, in order"},
    {"group_by_field", (PyCFunction)(void (*)(void))group_by_field, METH_FASTCALL,
     "group_by_field(nodes, name, wanted) -> {value: nodes whose field `name` has that value} for the values in wanted"},
    {"long_strings", (PyCFunction)(void (*)(void))long_strings, METH_FASTCALL,
     "long_strings(nodes, min_len) -> the nodes whose value is a str or bytes of at least min_len, in order"},
    {"qualified_name", (PyCFunction)(void (*)(void))qualified_name, METH_FASTCALL,
     "qualified_name(expr, scope, module_scope, module_name, functions, builtins, def_types): ModuleModel.qualified_name"},
    {"dispatch", (PyCFunction)(void (*)(void))dispatch, METH_FASTCALL,
     "dispatch(walk, table, by_name, call_name, call_rules, ctx, terminals, aliased): the engine's rule dispatch over one module"},
    {"keep_heap", keep_heap, METH_NOARGS,
     "keep_heap() -> bool: glibc's malloc stops trimming the top of its heap (for a process that ends after one run)"},
    {"token_matcher", (PyCFunction)(void (*)(void))token_matcher, METH_FASTCALL,
     "token_matcher(tokens: tuple of non-empty ASCII str, words=False) -> matcher for find_tokens"},
    {"find_tokens", (PyCFunction)(void (*)(void))find_tokens, METH_FASTCALL,
     "find_tokens(matcher, text) -> set: the matcher's tokens that occur in text ({t for t in tokens if t in text};"
     " with words, {t for t in tokens if t in re.findall(r'\\w+', text)})"},
    {"chunk_tokens", (PyCFunction)(void (*)(void))chunk_tokens, METH_FASTCALL,
     "chunk_tokens(text, memo, tokens_or_function, max_memo) -> set: engine.Prefilter's chunk loop (and importcost's word index)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "sls_lint._speedups", "C versions of the semantic model's innermost loops", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    struct { PyObject **slot; const char *text; } strings[] = {
        {&g_str_calls, "calls"}, {&g_str_globals, "globals"}, {&g_str_bindings, "bindings"},
        {&g_str_targets, "targets"}, {&g_str_target, "target"}, {&g_str_items, "items"},
        {&g_str_optional_vars, "optional_vars"}, {&g_str_id, "id"}, {&g_str_elts, "elts"},
        {&g_str_value, "value"}, {&g_str_name, "name"}, {&g_str_test, "test"}, {&g_str_attr, "attr"},
        {&g_str_type_checking, "TYPE_CHECKING"}, {&g_str_func, "func"}, {&g_str_rule, "rule"},
        {&g_str_imports, "imports"}, {&g_str_params, "params"}, {&g_str_kind, "kind"}, {&g_str_parent, "parent"},
        {&g_str_qualname, "qualname"}, {&g_str_posonlyargs, "posonlyargs"}, {&g_str_args, "args"},
        {&g_str_vararg, "vararg"}, {&g_str_kwonlyargs, "kwonlyargs"}, {&g_str_kw_defaults, "kw_defaults"},
        {&g_str_kwarg, "kwarg"}, {&g_str_defaults, "defaults"}, {&g_str_returns, "returns"}, {&g_str_body, "body"},
        {&g_str_decorator_list, "decorator_list"}, {&g_str_arg, "arg"}, {&g_str_function, "function"}, {&g_str_dot, "."},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        *strings[i].slot = PyUnicode_InternFromString(strings[i].text);
        if (*strings[i].slot == NULL)
            return NULL;
    }
    g_kw_is_async = Py_BuildValue("(s)", "is_async");
    if (g_kw_is_async == NULL)
        return NULL;
    for (int ch = 0; ch < 128; ch++)
        tm_ascii_word[ch] = ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    if (PyType_Ready(&WalkerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    /* the Python side uses this module only when API is the number it was written for: a stale
       build (an editable install not rebuilt after a change here) falls back to Python */
    if (PyModule_AddIntConstant(m, "API", SPEEDUPS_API) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&WalkerType);
    if (PyModule_AddObject(m, "Walker", (PyObject *)&WalkerType) < 0) {
        Py_DECREF(&WalkerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

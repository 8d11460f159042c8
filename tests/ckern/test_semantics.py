"""C semantics of %%kmem cells: integer widths, wrap, promotions, comparisons, shifts,
pointer scaling and struct layout per architecture (psABI values)."""
from __future__ import annotations

import pytest

from ckern_helpers import c_values, run


def test_integer_widths_per_arch():
    exprs = ["sizeof(char)", "sizeof(short)", "sizeof(int)", "sizeof(long)", "sizeof(long long)",
             "sizeof(void *)", "sizeof(size_t)", "sizeof(gfp_t)", "sizeof(u64)"]
    assert c_values(exprs, "i386") == [1, 2, 4, 4, 8, 4, 4, 4, 8]
    assert c_values(exprs, "arm32") == [1, 2, 4, 4, 8, 4, 4, 4, 8]
    assert c_values(exprs, "x86_64") == [1, 2, 4, 8, 8, 8, 8, 4, 8]


def test_unsigned_wrap_and_signed_wrap():
    # The kernel builds with -fno-strict-overflow, so signed overflow wraps too.
    assert c_values(["(unsigned char)300", "(u16)-1", "0u - 1", "2147483647 + 1",
                     "(unsigned long)-1"], "i386") == [44, 65535, 4294967295, -2147483648, 4294967295]
    assert c_values(["(unsigned long)-1"], "x86_64") == [-1]   # printed as long long


def test_char_is_unsigned():
    # Makefile: KBUILD_CFLAGS += -funsigned-char (since Linux 6.2).
    assert c_values(["(char)200", "(signed char)200"]) == [200, -56]


def test_usual_arithmetic_conversions():
    # -1 < 1u is false: -1 converts to UINT_MAX. On i386 long is 32-bit, so -1L < 1u is
    # false as well (unsigned long wins); on x86_64 long holds every unsigned int.
    assert c_values(["-1 < 1u", "-1L < 1u", "(unsigned char)1 - 2"], "i386") == [0, 0, -1]
    assert c_values(["-1L < 1u"], "x86_64") == [1]


def test_division_truncates_and_shifts():
    assert c_values(["7 / -2", "-7 % 3", "-16 >> 2", "1u << 31", "0xff >> 4"]) == [-3, -1, -4, 2147483648, 15]


def test_pointer_arithmetic_scales_by_the_pointee():
    decls = "struct pair { int a; long b; };"
    exprs = ["(long)((int *)0 + 3)", "(long)((struct pair *)0 + 2)", "(long)((char *)8 - (char *)2)",
             "(long)((void *)0 + 5)", "(long)(&((struct pair *)100)[1].b)"]
    assert c_values(exprs, "i386", decls) == [12, 16, 6, 5, 112]
    assert c_values(exprs, "x86_64", decls) == [12, 32, 6, 5, 124]


@pytest.mark.parametrize("arch,expected", [
    ("i386", [12, 4, 4, 8, 12, 24, 20]),
    ("arm32", [16, 8, 8, 8, 12, 24, 24]),
    ("x86_64", [16, 8, 8, 8, 24, 24, 24]),
])
def test_struct_layout_per_arch(arch, expected):
    """sizeof/offsetof/__alignof__ as the i386, AAPCS and AMD64 psABIs give them: i386
    aligns long long to 4 inside a struct but __alignof__(long long) is 8."""
    decls = ("struct a { char c; long long x; };\n"
             "struct b { char c; long l; short s; };\n"
             "struct c { int i; char name[13]; long long t; };")
    exprs = ["sizeof(struct a)", "offsetof(struct a, x)", "__alignof__(struct a)",
             "__alignof__(long long)", "sizeof(struct b)", "offsetof(struct c, t)", "sizeof(struct c)"]
    got = c_values(exprs, arch, decls)
    # struct c: i386 puts t at 20 (4-aligned), the others at 24.
    expected = list(expected)
    expected[5] = 20 if arch == "i386" else 24
    expected[6] = 28 if arch == "i386" else 32
    assert got == expected


def test_control_flow_and_functions():
    src = r"""
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static int classify(int x)
{
	switch (x) {
	case 0: return 100;
	case 1:
	case 2: x += 10; break;
	default: x = -1;
	}
	return x;
}
static int __init t_init(void)
{
	int i, sum = 0, n = 0;
	for (i = 0; i < 10; i++) {
		if (i == 3)
			continue;
		if (i == 8)
			break;
		sum += i;
	}
	do { n++; } while (n < 5);
	while (n > 0) n -= 2;
	printk("%d %d %d %d %d %d %d\n", sum, n, fib(10), classify(0), classify(2), classify(7), i);
	return 0;
}
"""
    result, _ = run(src)
    assert result.log == ["25 -1 55 100 12 -1 8"]


def test_goto_error_path_frees_in_reverse():
    src = r"""
static int __init t_init(void)
{
	char *a, *b;
	int err = -ENOMEM;
	a = kmalloc(32, GFP_KERNEL);
	if (!a)
		goto out;
	b = kmalloc(1 << 30, GFP_KERNEL | __GFP_NOWARN);   /* fails: larger than any order */
	if (!b)
		goto free_a;
	err = 0;
	kfree(b);
free_a:
	kfree(a);
out:
	pr_info("err=%d\n", err);
	return 0;
}
"""
    result, k = run(src)
    assert result.log[-1] == "err=-12"


def test_arrays_structs_and_initializers():
    src = r"""
struct item { int id; char tag[4]; struct item *next; };
static int table[] = { 3, 1, 4, 1, 5 };
static int __init t_init(void)
{
	struct item first = { .id = 7, .tag = "ab" }, second = { 9 };
	int total = 0, i;
	first.next = &second;
	for (i = 0; i < ARRAY_SIZE(table); i++)
		total += table[i];
	printk("%d %d %s %d %d %d\n", total, first.next->id, first.tag, (int)sizeof(struct item),
	       second.tag[0], min(4, 9) + max(4, 9));
	return 0;
}
"""
    result, _ = run(src)
    assert result.log == ["14 9 ab 12 0 13"]


def test_kernel_idioms():
    """sizeof(*p) in p's own initializer, container_of, C99 for-declarations, strscpy's
    -E2BIG, krealloc keeping the contents, __func__, spin_lock_irqsave."""
    result, k = run(r"""
struct foo { int x; struct list { int a; } node; char name[16]; };
static const char *names[] = { "alpha", "beta", "gamma" };
static int __init t_init(void)
{
	struct foo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	char buf[32];
	unsigned long flags;
	struct list *l;
	DEFINE_SPINLOCK(lk);
	if (IS_ERR_OR_NULL(f))
		return -ENOMEM;
	f->x = 5;
	l = &f->node;
	pr_info("container %d\n", container_of(l, struct foo, node)->x);
	for (int i = 0; i < ARRAY_SIZE(names); i++)
		pr_info("%s has %zu chars\n", names[i], strlen(names[i]));
	snprintf(buf, sizeof(buf), "%s-%d", "buf", 42);
	pr_info("%d %s\n", (int)strscpy(f->name, buf, sizeof(f->name)), f->name);
	pr_info("%d\n", (int)strscpy(f->name, "a very long name indeed", sizeof(f->name)));
	spin_lock_irqsave(&lk, flags);
	spin_unlock_irqrestore(&lk, flags);
	f = krealloc(f, 200, GFP_KERNEL);
	pr_info("ksize %zu %s %s\n", ksize(f), f->x == 5 ? "kept" : "lost", f->name);
	kfree(f);
	pr_info("%s\n", __func__);
	return 0;
}
""")
    assert result.log == ["container 5", "alpha has 5 chars", "beta has 4 chars", "gamma has 5 chars",
                          "6 buf-42", "-7", "ksize 256 kept a very long nam", "t_init"]

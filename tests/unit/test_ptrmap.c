/* core/ptrmap: put, get, replace, remove with backward shift, growth; checked against a model. */
#include "core/ptrmap.h"

#include <stdint.h>
#include <stdlib.h>

#include "unit.h"

static void test_basics(void)
{
    ptrmap_t m = {0};
    int a = 0, b = 0;
    CHECK(ptrmap_get(&m, &a) == NULL && ptrmap_remove(&m, &a) == NULL);
    ptrmap_put(&m, &a, &b);
    CHECK(ptrmap_get(&m, &a) == &b && m.count == 1);
    ptrmap_put(&m, &a, &a);
    CHECK(ptrmap_get(&m, &a) == &a && m.count == 1);
    CHECK(ptrmap_remove(&m, &a) == &a && m.count == 0 && ptrmap_get(&m, &a) == NULL);
    ptrmap_clear(&m);
}

/* Random puts and removes over 4,096 keys (clustered addresses, like heap objects), compared
 * with an array after every step. */
static void test_against_model(void)
{
    enum { N = 4096 };
    static char keys[N];
    static void *model[N];
    ptrmap_t m = {0};
    size_t count = 0;
    srand(7);
    for (int step = 0; step < 200000; step++) {
        int k = rand() % N;
        if (rand() % 3) {
            void *v = (void *)(uintptr_t)(step + 1);
            count += model[k] == NULL;
            model[k] = v;
            ptrmap_put(&m, &keys[k], v);
        } else {
            CHECK(ptrmap_remove(&m, &keys[k]) == model[k]);
            count -= model[k] != NULL;
            model[k] = NULL;
        }
        if (step % 997 == 0)
            for (int i = 0; i < N; i++)
                CHECK(ptrmap_get(&m, &keys[i]) == model[i]);
        CHECK(m.count == count && m.count * 2 <= m.cap);
    }
    ptrmap_clear(&m);
}

UNIT_MAIN(test_basics, test_against_model)

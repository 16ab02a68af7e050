/*
 * Preloaded after libasan by tools/sanitize.sh, so that AddressSanitizer
 * is initialized before any library's constructor calls bindtextdomain.
 *
 * The server's executable is not built with ASan, so its runtime comes by
 * LD_PRELOAD and initializes itself lazily, on the first call it
 * intercepts. Preloaded libraries' constructors run last, after those of
 * the executable's own libraries, and libgpg-error's constructor calls
 * bindtextdomain first: initializing ASan inside it, under glibc's
 * translation lock, leaves the lock held, and the server hangs at start-up
 * in its own bindtextdomain. This wrapper takes bindtextdomain's place
 * (preloaded symbols come first), initializes ASan outside the lock and
 * calls the real one.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

extern void __asan_init(void);

char *bindtextdomain(const char *domainname, const char *dirname)
{
    static char *(*real)(const char *, const char *);

    __asan_init();
    if (!real)
        real = (char *(*)(const char *, const char *)) dlsym(RTLD_NEXT, "bindtextdomain");
    return real(domainname, dirname);
}

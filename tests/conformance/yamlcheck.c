/* yamlcheck: parses every document of every file given with libyaml (the YAML 1.1 parser that
 * PyYAML, and so docker-compose v1, and many other tools use) and reports the first error of each
 * file that does not parse.
 *
 *   cc -o yamlcheck yamlcheck.c -lyaml
 *   yamlcheck FILE...
 *
 * Output: "FILE:LINE:COLUMN: problem (context)" for each bad file (1-based line and column), then
 * "N passed, M failed". Exit status 1 if any file failed, 2 on usage errors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

static int check_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        printf("%s:0:0: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        printf("%s:0:0: cannot initialise the YAML parser\n", path);
        return 1;
    }
    yaml_parser_set_input_file(&parser, f);
    int failed = 0;
    for (;;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            /* problem_mark points at the offending character; marks are 0-based */
            const yaml_mark_t *m = &parser.problem_mark;
            printf("%s:%lu:%lu: %s", path, (unsigned long)m->line + 1, (unsigned long)m->column + 1,
                   parser.problem ? parser.problem : "parse error");
            if (parser.context)
                printf(" (%s at line %lu, column %lu)", parser.context,
                       (unsigned long)parser.context_mark.line + 1,
                       (unsigned long)parser.context_mark.column + 1);
            printf("\n");
            failed = 1;
            break;
        }
        int done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        if (done)
            break;
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: yamlcheck FILE...\n");
        return 2;
    }
    int passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        if (check_file(argv[i]))
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

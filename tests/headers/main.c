/* tests/headers/main.c -- the headers test: each public header compiled on
 * its own in a generated file (tests/headers/meson.build, as lilv does);
 * building this executable is the test, running it only reports. */
#include <stdio.h>

int main(void)
{
  printf("every header compiles on its own\n");
  return 0;
}

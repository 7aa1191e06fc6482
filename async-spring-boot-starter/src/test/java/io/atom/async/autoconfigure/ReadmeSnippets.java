package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The README's Spring blocks, marked {@code <!-- starter snippet: compiled in TestClass -->} on the line
 * before (the core's ReadmeTourTest leaves them out), are code of the test class the marker names.
 */
final class ReadmeSnippets {
  private ReadmeSnippets() {}

  /**
   * Asserts that each README block marked for {@code testClass} is, line by line and in order, in that
   * class's source.
   *
   * @return how many blocks are marked for it
   */
  static int matchedIn(Class<?> testClass) throws IOException {
    List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
    List<String> test = Files.readAllLines(
        Path.of("src", "test", "java", testClass.getName().replace('.', '/') + ".java")).stream()
        .map(String::strip).toList();
    String marker = "<!-- starter snippet: compiled in " + testClass.getSimpleName() + " -->";
    int blocks = 0;
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).equals("```java") && lines.get(i - 1).equals(marker)) {
        blocks++;
        int from = 0;
        for (i++; !lines.get(i).equals("```"); i++) {
          String wanted = lines.get(i).strip();
          if (!wanted.isEmpty()) {
            int at = test.subList(from, test.size()).indexOf(wanted);
            assertThat(at).as("README line not in %s (in order): %s", testClass.getSimpleName(), wanted)
                .isNotNegative();
            from += at + 1;
          }
        }
      }
    }
    return blocks;
  }
}

package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * What `./mvnw -Prelease -Dgpg.skip install` put into the local repository (it/verify-published.sh empties
 * the io.atom.async group first): the published modules and nothing else, each POM standing alone with the
 * metadata Maven Central requires, each jar with its sources and javadoc jars.
 */
class PublishedArtifactsTests {
  private static final String PROJECT_URL = "https://github.com/atom-async/atom-async-java";
  private static final Path GROUP = Path.of(System.getProperty("atom.repository"), "io", "atom", "async");
  private static final String VERSION = System.getProperty("atom.version");

  @Test
  void onlyTheLibraryIsInstalled() throws IOException {
    try (Stream<Path> artifacts = Files.list(GROUP)) {
      assertThat(artifacts.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("async-bom", "async-core", "async-hazelcast", "async-spring-boot-starter");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"async-core", "async-hazelcast", "async-spring-boot-starter"})
  void eachJarComesWithItsSourcesAndJavadoc(String artifact) {
    Path dir = GROUP.resolve(artifact).resolve(VERSION);
    for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar")) {
      assertThat(dir.resolve(artifact + "-" + VERSION + suffix)).isRegularFile().isNotEmptyFile();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"async-core", "async-hazelcast", "async-spring-boot-starter"})
  void eachJarCarriesTheLicence(String artifact) throws IOException {
    Path jar = GROUP.resolve(artifact).resolve(VERSION).resolve(artifact + "-" + VERSION + ".jar");
    try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
      java.util.jar.JarEntry licence = file.getJarEntry("META-INF/LICENSE");
      assertThat(licence).as("META-INF/LICENSE in %s", jar).isNotNull();
      String text = new String(file.getInputStream(licence).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(text).contains("Apache License", "Version 2.0, January 2004");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"async-bom", "async-core", "async-hazelcast", "async-spring-boot-starter"})
  void eachPom_hasTheMetadataMavenCentralRequires_andStandsAlone(String artifact) throws Exception {
    Path pom = GROUP.resolve(artifact).resolve(VERSION).resolve(artifact + "-" + VERSION + ".pom");
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    Element project = doc.getDocumentElement();

    assertThat(text(project, "groupId")).isEqualTo("io.atom.async");
    assertThat(text(project, "artifactId")).isEqualTo(artifact);
    assertThat(text(project, "version")).isEqualTo(VERSION);
    assertThat(text(project, "name")).isNotBlank();
    assertThat(text(project, "description")).isNotBlank();
    assertThat(text(project, "url")).as("ours, not Spring Boot's").isEqualTo(PROJECT_URL);
    Element license = child(child(project, "licenses"), "license");
    assertThat(text(license, "name")).isEqualTo("Apache License, Version 2.0");
    assertThat(text(license, "url")).isEqualTo("https://www.apache.org/licenses/LICENSE-2.0.txt");
    Element developer = child(child(project, "developers"), "developer");
    assertThat(text(developer, "name")).isEqualTo("The Atom Async for Java contributors");
    assertThat(project.getElementsByTagName("developer").getLength()).as("no individuals, no Spring team").isEqualTo(1);
    Element scm = child(project, "scm");
    assertThat(text(scm, "url")).isEqualTo(PROJECT_URL);
    assertThat(text(scm, "connection")).isEqualTo("scm:git:" + PROJECT_URL + ".git");
    assertThat(text(child(project, "issueManagement"), "url")).isEqualTo(PROJECT_URL + "/issues");
    assertThat(project.getElementsByTagName("parent").getLength()).as("refers to no unpublished parent").isZero();
  }

  private static Element child(Element parent, String name) {
    for (org.w3c.dom.Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("<" + parent.getTagName() + "> has no <" + name + ">");
  }

  private static String text(Element parent, String name) {
    return child(parent, name).getTextContent().trim();
  }
}

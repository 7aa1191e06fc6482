package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/** The {@link AsyncWorkerManager} beans that exist, by bean name, for the endpoint and the health contributor. */
final class ManagerBeans {
  private ManagerBeans() {}

  /**
   * Every manager bean already created, default candidate or not, in registration order. A lazy one not
   * yet used has no work, and is not created just to be described.
   */
  static Map<String, AsyncWorkerManager> existing(ConfigurableListableBeanFactory beanFactory) {
    Map<String, AsyncWorkerManager> managers = new LinkedHashMap<>();
    for (String name : beanFactory.getBeanNamesForType(AsyncWorkerManager.class, true, false)) {
      if (beanFactory.containsSingleton(name)) {
        managers.put(name, beanFactory.getBean(name, AsyncWorkerManager.class));
      }
    }
    return managers;
  }
}

package io.atom.async.autoconfigure;

import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.Advisor;
import org.springframework.aop.Pointcut;
import org.springframework.aop.PointcutAdvisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.interceptor.AsyncExecutionInterceptor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.ClassUtils;

/**
 * Tells {@link AsyncWorkerExecutor} which {@code @Async} method submitted a task, so that its worker
 * is named {@code Class.method}.
 *
 * <p>Spring's {@link AsyncExecutionInterceptor} hands the executor a bare {@code Callable}, but it
 * does so on the calling thread, synchronously, inside the proxied call. So this post-processor puts
 * one more advisor on every proxy that has an {@code @Async} advisor, just before it and with its
 * pointcut (the {@code @Async} methods only): it holds the method's name in a thread-local while
 * Spring's interceptor submits, and the executor takes it from there (once: a second task submitted
 * during the same call is unnamed). Nothing else is involved: no reflection into Spring's lambda, no
 * change to what Spring does. Where there is no such proxy to advise (a frozen proxy,
 * {@code @EnableAsync(mode = ASPECTJ)}), tasks are unnamed.
 *
 * <p>It runs after Spring's {@code AsyncAnnotationBeanPostProcessor}, which is {@code Ordered}: a
 * post-processor that is neither {@code Ordered} nor {@code PriorityOrdered} is registered after those.
 */
final class AsyncMethodNames implements BeanPostProcessor {

  private static final ThreadLocal<@Nullable String> CURRENT = new ThreadLocal<>();

  /** Set by the bridge's task while it runs: where the method's own exception is kept (see Failures). */
  private static final ThreadLocal<Throwable @Nullable []> FAILURE = new ThreadLocal<>();

  /**
   * Runs {@code task} (a bridge worker's, on its thread) and, if the {@code @Async} method inside threw
   * while Spring's task swallowed it (a {@code void} method's exception goes to the
   * {@code AsyncUncaughtExceptionHandler}), throws that exception: the worker ends FAILED, as the
   * method did, not SUCCEEDED.
   */
  static <T> T callFailingAsTheMethodDid(java.util.concurrent.Callable<T> task) throws Exception {
    Throwable[] failure = new Throwable[1];
    FAILURE.set(failure);
    T value;
    try {
      value = task.call();
    } finally {
      FAILURE.remove();
    }
    Throwable thrown = failure[0];
    if (thrown instanceof Exception) {
      throw (Exception) thrown;
    }
    if (thrown instanceof Error) {
      throw (Error) thrown;
    }
    return value;
  }

  /**
   * The name of the {@code @Async} method whose call is submitting a task on this thread, or null;
   * cleared by this call, so that only the call's own task gets it.
   */
  static @Nullable String take() {
    String name = CURRENT.get();
    if (name != null) {
      CURRENT.remove();
    }
    return name;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (!(bean instanceof Advised) || bean instanceof AopInfrastructureBean) {
      return bean;
    }
    Advised advised = (Advised) bean;
    if (advised.isFrozen()) {
      return bean;
    }
    Advisor[] advisors = advised.getAdvisors();
    for (int i = 0; i < advisors.length; i++) {
      if (advisors[i].getAdvice() instanceof Naming) {
        return bean; // already advised (a bean post-processed twice)
      }
      if (advisors[i].getAdvice() instanceof AsyncExecutionInterceptor) {
        Pointcut pointcut = advisors[i] instanceof PointcutAdvisor
            ? ((PointcutAdvisor) advisors[i]).getPointcut() : Pointcut.TRUE;
        advised.addAdvisor(i, new DefaultPointcutAdvisor(pointcut, new Naming()));
        // Just after Spring's interceptor: inside the submitted task, on the worker's thread.
        advised.addAdvisor(i + 2, new DefaultPointcutAdvisor(pointcut, new Failures()));
        return bean;
      }
    }
    return bean;
  }

  /** Inside a bridge worker's task: keeps the method's exception before Spring's task can swallow it. */
  private static final class Failures implements MethodInterceptor {
    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
      try {
        return invocation.proceed();
      } catch (Throwable e) {
        Throwable[] slot = FAILURE.get();
        if (slot != null && slot[0] == null) {
          slot[0] = e;
        }
        throw e;
      }
    }
  }

  /** Holds the name of the called method while the rest of the chain (Spring's async interceptor) runs. */
  private static final class Naming implements MethodInterceptor {
    private final ConcurrentHashMap<Method, String> names = new ConcurrentHashMap<>();

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
      String name = name(invocation);
      if (name.isEmpty()) {
        return invocation.proceed(); // its @Async names another executor: nothing for the bridge
      }
      String previous = CURRENT.get();
      CURRENT.set(name);
      try {
        return invocation.proceed();
      } finally {
        if (previous == null) {
          CURRENT.remove();
        } else {
          CURRENT.set(previous);
        }
      }
    }

    /** {@code Class.method}, or "" when the method's {@code @Async} names an executor other than the bridge. */
    private String name(MethodInvocation invocation) {
      Method method = invocation.getMethod();
      String name = names.get(method);
      if (name == null) {
        Object target = invocation.getThis();
        Class<?> type = ClassUtils.getUserClass(target != null ? AopUtils.getTargetClass(target) : method.getDeclaringClass());
        if (forTheBridge(method, type)) {
          String simple = type.getSimpleName();
          name = (simple.isEmpty() ? type.getName() : simple) + "." + method.getName();
        } else {
          name = "";
        }
        names.putIfAbsent(method, name);
      }
      return name;
    }

    /**
     * Whether the method's {@code @Async} (or its class's) names the bridge, or no executor (the
     * default, which an AsyncConfigurer may have made the bridge): only then may its task be the bridge's.
     */
    private static boolean forTheBridge(Method method, Class<?> type) {
      org.springframework.scheduling.annotation.Async async = org.springframework.core.annotation.AnnotatedElementUtils
          .findMergedAnnotation(method, org.springframework.scheduling.annotation.Async.class);
      if (async == null) {
        async = org.springframework.core.annotation.AnnotatedElementUtils.findMergedAnnotation(type,
            org.springframework.scheduling.annotation.Async.class);
      }
      String qualifier = async != null ? async.value() : "";
      return qualifier.isEmpty() || qualifier.equals(AsyncWorkerAutoConfiguration.ASYNC_EXECUTOR_BEAN);
    }
  }
}

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
        return bean;
      }
    }
    return bean;
  }

  /** Holds the name of the called method while the rest of the chain (Spring's async interceptor) runs. */
  private static final class Naming implements MethodInterceptor {
    private final ConcurrentHashMap<Method, String> names = new ConcurrentHashMap<>();

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
      String previous = CURRENT.get();
      CURRENT.set(name(invocation));
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

    private String name(MethodInvocation invocation) {
      Method method = invocation.getMethod();
      String name = names.get(method);
      if (name == null) {
        Object target = invocation.getThis();
        Class<?> type = ClassUtils.getUserClass(target != null ? AopUtils.getTargetClass(target) : method.getDeclaringClass());
        String simple = type.getSimpleName();
        name = (simple.isEmpty() ? type.getName() : simple) + "." + method.getName();
        names.putIfAbsent(method, name);
      }
      return name;
    }
  }
}

// The team server's sign-in form: user name and password (or a note that the proxy signs users in), the reason a
// session ended, and the wait after too many failed tries, counted down.
import type { LoginOptionsResponse, SessionResponse } from '../api-types.js';
import { serverApi } from './api-client.js';
import { h } from './create-element.js';

export function showLoginPage(root: HTMLElement, options: { reason?: string; signedIn(session: SessionResponse): void }): void {
  const message = h('p', { class: 'login-message', role: 'alert' });
  const user = h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true, maxlength: 128 });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
  const submit = h('button', { class: 'button button-primary', type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login-form', 'data-form': 'login' },
    h('label', { for: 'login-user' }, 'User'),
    user,
    h('label', { for: 'login-password' }, 'Password'),
    password,
    submit,
    message,
  );
  const card = h('div', { class: 'login-card' }, h('div', { class: 'brand login-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'handoff'), h('h1', {}, 'Sign in'));
  if (options.reason === 'expired') card.append(h('p', { class: 'notice-inline', 'data-reason': 'expired' }, 'Your session has ended. Sign in again.'));
  if (options.reason === 'signed-out-now') card.append(h('p', { class: 'notice-inline' }, 'You are signed out.'));
  card.append(form);
  root.replaceChildren(h('main', { class: 'login-main' }, card));
  document.title = 'Sign in · handoff';

  let countdown: number | undefined;
  const waitThenAllow = (seconds: number, text: string): void => {
    submit.disabled = true;
    let left = seconds;
    const tick = (): void => {
      message.textContent = `${text} Try again in ${left} s.`;
      message.dataset.wait = String(left);
      if (left-- <= 0) {
        window.clearInterval(countdown);
        submit.disabled = false;
        message.textContent = text;
        delete message.dataset.wait;
      }
    };
    window.clearInterval(countdown);
    tick();
    countdown = window.setInterval(tick, 1000);
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    message.className = 'login-message';
    try {
      const { status, body } = await serverApi.login(user.value, password.value);
      if (status === 200) {
        window.clearInterval(countdown);
        options.signedIn(body);
        return;
      }
      message.classList.add('login-error');
      password.value = '';
      password.focus();
      if (body.retryAfterSeconds) waitThenAllow(body.retryAfterSeconds, status === 429 ? 'Too many failed sign-ins.' : 'Wrong user name or password.');
      else {
        message.textContent = status === 401 ? 'Wrong user name or password.' : body.message;
        submit.disabled = false;
      }
    } catch (error) {
      message.textContent = `The server cannot be reached: ${(error as Error).message}`;
      submit.disabled = false;
    }
  });

  // Without accounts the form is of no use: say how users get in instead.
  void serverApi.loginOptions().then((available: LoginOptionsResponse) => {
    if (available.password) {
      user.focus();
      return;
    }
    form.replaceWith(
      h('p', {}, available.proxy ? 'This server signs you in through your organisation’s sign-on. Open it through that address, or reload.' : 'This server has no accounts.'),
    );
  });
}

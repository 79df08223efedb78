/** The console: routes, sign-in guard, the account loaded once per session. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from "preact-iso";
import { isSignedIn, onSessionChange } from "./auth/session";
import { language } from "./i18n";
import { loadAccount, useMe } from "./lib/account";
import { Layout, NotFound } from "./ui/Layout";
import { Loading, LoadError } from "./ui/states";
import { Login } from "./screens/login/Login";
import "./styles.css";

const ContactsList = lazy(() => import("./screens/contacts/ContactsList").then((module) => module.ContactsList));
const ContactPage = lazy(() => import("./screens/contact/ContactPage").then((module) => module.ContactPage));
const Settings = lazy(() => import("./screens/settings/Settings").then((module) => module.Settings));

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to]);
  return null;
}

function ToContacts() {
  return <Redirect to="/contacts" />;
}

/** Signed-in screens: the account is loaded first; a refused session goes back to /login. */
function SignedIn() {
  const me = useMe();
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setError(null);
    loadAccount().catch(setError);
  };
  useEffect(() => {
    if (!me) load();
  }, [me]);
  if (error) return <LoadError error={error} retry={load} />;
  if (!me) return <Loading />;
  return (
    <Layout>
      <ErrorBoundary>
        <Router>
          <Route path="/contacts" component={ContactsList} />
          <Route path="/contacts/:id" component={ContactPage} />
          <Route path="/settings" component={Settings} />
          <Route path="/settings/:section" component={Settings} />
          <Route path="/" component={ToContacts} />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </Layout>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(isSignedIn());
  const { path, route } = useLocation();
  useEffect(() => onSessionChange(() => setSignedIn(isSignedIn())), []);
  useEffect(() => {
    if (!signedIn && path !== "/login") route("/login", true);
  }, [signedIn, path]);
  if (path === "/login") return <Login onSignedIn={loadAccount} />;
  return signedIn ? <SignedIn /> : null;
}

document.documentElement.lang = language();
render(
  <LocationProvider>
    <App />
  </LocationProvider>,
  document.getElementById("app")!,
);

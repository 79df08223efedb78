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
const Mail = lazy(() => import("./screens/mail/Mail").then((module) => module.Mail));
const Templates = lazy(() => import("./screens/templates/Templates").then((module) => module.Templates));
const Notifications = lazy(() => import("./screens/notifications/Notifications").then((module) => module.Notifications));
const Imports = lazy(() => import("./screens/imports/Imports").then((module) => module.Imports));
const Exports = lazy(() => import("./screens/exports/Exports").then((module) => module.Exports));
const Groups = lazy(() => import("./screens/groups/Groups").then((module) => module.Groups));
const GroupMembers = lazy(() => import("./screens/groups/GroupMembers").then((module) => module.GroupMembers));
const Jobs = lazy(() => import("./screens/jobs/Jobs").then((module) => module.Jobs));

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
          <Route path="/mail" component={Mail} />
          <Route path="/mail/templates" component={Templates} />
          <Route path="/mail/:folder" component={Mail} />
          <Route path="/mail/:folder/:id" component={Mail} />
          <Route path="/notifications" component={Notifications} />
          <Route path="/imports" component={Imports} />
          <Route path="/imports/:id" component={Imports} />
          <Route path="/exports" component={Exports} />
          <Route path="/exports/:id" component={Exports} />
          <Route path="/jobs" component={Jobs} />
          <Route path="/groups" component={Groups} />
          <Route path="/groups/:id" component={GroupMembers} />
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

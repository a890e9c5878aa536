# expect: preprocessing_leak:error@9
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

reviews = pd.read_csv("imdb.csv")
tfidf = TfidfVectorizer(min_df=3, ngram_range=(1, 2))
X = tfidf.fit_transform(reviews["review"])  # <- leak
X_train, X_test, y_train, y_test = train_test_split(X, reviews["sentiment"], random_state=1)
sgd = SGDClassifier(loss="log_loss").fit(X_train, y_train)
print(pd.crosstab(y_test, sgd.predict(X_test), rownames=["true"], colnames=["pred"]))

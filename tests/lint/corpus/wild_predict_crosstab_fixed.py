# expect: none
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

reviews = pd.read_csv("imdb.csv")
text_train, text_test, y_train, y_test = train_test_split(
    reviews["review"], reviews["sentiment"], random_state=1
)
tfidf = TfidfVectorizer(min_df=3, ngram_range=(1, 2))
X_train = tfidf.fit_transform(text_train)
X_test = tfidf.transform(text_test)
sgd = SGDClassifier(loss="log_loss").fit(X_train, y_train)
print(pd.crosstab(y_test, sgd.predict(X_test), rownames=["true"], colnames=["pred"]))
